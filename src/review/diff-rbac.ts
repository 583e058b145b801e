import type { PkiPlan, RbacManifest } from '../plan';
import { rbacObjectName } from './inventory';
import { setDelta } from '../compare';

/** An RBAC object in a diff: `ClusterRoleBinding kubepki:edit` and the rbac/ file it is in. */
export interface RbacObjectRef {
  object: string;
  file: string;
}

export interface RbacObjectChange extends RbacObjectRef {
  changes: string[];
}

export interface RbacDiff {
  added: RbacObjectRef[];
  removed: RbacObjectRef[];
  changed: RbacObjectChange[];
}

const subjectName = (s: NonNullable<RbacManifest['subjects']>[number]) =>
  s.kind === 'ServiceAccount'
    ? `serviceAccount:${s.namespace}/${s.name}`
    : `${s.kind === 'User' ? 'user' : 'group'}:${s.name}`;

const ruleText = (r: NonNullable<RbacManifest['rules']>[number]) =>
  `${r.verbs.join(',')} ${[...(r.resources ?? []), ...(r.nonResourceURLs ?? [])].join(',')}${r.apiGroups?.length ? ` [${r.apiGroups.map((g) => g || 'core').join(',')}]` : ''}${r.resourceNames?.length ? ` names=${r.resourceNames.join(',')}` : ''}`;

function objectChanges(before: RbacManifest, after: RbacManifest): string[] {
  const changes: string[] = [];
  const subjects = setDelta((before.subjects ?? []).map(subjectName), (after.subjects ?? []).map(subjectName));
  if (subjects) changes.push(`subjects ${subjects}`);
  const roleRef = (m: RbacManifest) => (m.roleRef ? `${m.roleRef.kind} ${m.roleRef.name}` : '');
  if (roleRef(before) !== roleRef(after)) changes.push(`roleRef ${roleRef(before)} → ${roleRef(after)}`);
  const rules = setDelta((before.rules ?? []).map(ruleText), (after.rules ?? []).map(ruleText));
  if (rules) changes.push(`rules ${rules}`);
  if (JSON.stringify(before.metadata.labels ?? {}) !== JSON.stringify(after.metadata.labels ?? {}))
    changes.push('labels changed');
  if (before.automountServiceAccountToken !== after.automountServiceAccountToken) {
    changes.push(
      `automountServiceAccountToken ${String(before.automountServiceAccountToken ?? 'default')} → ${String(after.automountServiceAccountToken ?? 'default')}`,
    );
  }
  if (changes.length === 0 && JSON.stringify(before) !== JSON.stringify(after)) changes.push('manifest changed');
  return changes;
}

function objectsOf(plan: PkiPlan): Map<string, { file: string; object: RbacManifest }> {
  const objects = new Map<string, { file: string; object: RbacManifest }>();
  for (const file of plan.rbac)
    for (const object of file.objects) objects.set(rbacObjectName(object), { file: file.path, object });
  return objects;
}

/** RBAC objects added, removed and changed (subjects, roleRef, rules), by kind, namespace and name. */
export function diffRbac(base: PkiPlan, head: PkiPlan): RbacDiff {
  const before = objectsOf(base);
  const after = objectsOf(head);
  const diff: RbacDiff = { added: [], removed: [], changed: [] };
  for (const [name, a] of after) {
    const b = before.get(name);
    if (!b) diff.added.push({ object: name, file: a.file });
    else {
      const changes = objectChanges(b.object, a.object);
      if (changes.length > 0) diff.changed.push({ object: name, file: a.file, changes });
    }
  }
  for (const [name, b] of before) if (!after.has(name)) diff.removed.push({ object: name, file: b.file });
  return diff;
}
