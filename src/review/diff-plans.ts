import type { CertificatePlan, KubeconfigPlan, PkiPlan } from '../plan';
import { certificateChanges, kubeconfigDrift, type FieldChange } from '../compare';
import { diffRbac, type RbacDiff } from './diff-rbac';
import { diffAccess, type AccessChange } from './diff-access';
import { diffImpact, type DiffImpact } from './diff-impact';
import { diffRotations, type RotationRefusal, type RotationStageChange } from './rotation-review';

/** A certificate as a diff lists it: enough to recognise it, nothing secret. */
export interface CertificateRef {
  id: string;
  name: string;
  node?: string;
  issuer: string;
  /** `CN=alice, O=dev-team`. */
  subject: string;
  sans: string[];
}

export interface CertificateChange extends CertificateRef {
  changes: FieldChange[];
}

export interface KubeconfigRef {
  id: string;
  user: string;
  groups: string[];
  server: string;
}

export interface KubeconfigChange extends KubeconfigRef {
  changes: string[];
}

/** The semantic difference between two plans, and what applying it does. Secret-free, like the plans. */
export interface PlanDiff {
  base: { name: string };
  head: { name: string };
  /** Cluster-wide settings that changed (`kubernetesVersion v1.33.0 → v1.34.0`). */
  cluster: string[];
  nodes: { added: string[]; removed: string[] };
  certificates: { added: CertificateRef[]; removed: CertificateRef[]; changed: CertificateChange[] };
  kubeconfigs: { added: KubeconfigRef[]; removed: KubeconfigRef[]; changed: KubeconfigChange[] };
  rbac: RbacDiff;
  access: AccessChange[];
  impact: DiffImpact;
  /** Rotation stages this change takes, each with its rollout order; and stage changes refused (skipped, backwards). */
  rotations: { stages: RotationStageChange[]; refused: RotationRefusal[] };
  /** Whether anything at all differs. */
  changed: boolean;
  /**
   * Whether a CA, the sa key or the sa issuer is replaced outside a rotation, or a rotation stage is skipped or taken
   * backwards: dependants are invalidated, so CI should block (exit 3). A correct next stage is a normal change.
   */
  replacesCa: boolean;
  /**
   * Identities (other than kubeadm's own) that become cluster-admin equivalent in a way no RBAC change can revoke —
   * `system:masters` in a certificate that stays valid until it expires — so CI should block (exit 3).
   */
  grantsUnrevocableAdmin: string[];
  /** One line: `3 certificates changed, 1 kubeconfig added, …` or `no changes`. */
  summary: string;
}

function certificateRef(c: CertificatePlan): CertificateRef {
  return {
    id: c.id,
    name: c.name,
    ...(c.node !== undefined ? { node: c.node } : {}),
    issuer: c.issuer,
    subject: `CN=${c.subject.commonName}${c.subject.organizations.map((o) => `, O=${o}`).join('')}`,
    sans: [...c.sans.dnsNames, ...c.sans.ipAddresses],
  };
}

function kubeconfigRef(plan: PkiPlan, k: KubeconfigPlan): KubeconfigRef {
  return {
    id: k.id,
    user: plan.certificates.find((c) => c.id === k.certificate)?.subject.commonName ?? k.userName,
    groups: plan.certificates.find((c) => c.id === k.certificate)?.subject.organizations ?? [],
    server: k.server,
  };
}

/** What changes in a kubeconfig between two plans: compare/'s kubeconfig drift, with the base plan as what exists. */
function kubeconfigChanges(before: KubeconfigPlan, after: KubeconfigPlan): string[] {
  return kubeconfigDrift(after, before);
}

function clusterChanges(base: PkiPlan, head: PkiPlan): string[] {
  const changes: string[] = [];
  const keys = [
    ...new Set([...Object.keys(base.cluster), ...Object.keys(head.cluster)]),
  ].sort() as (keyof PkiPlan['cluster'])[];
  for (const key of keys) {
    const a = base.cluster[key];
    const b = head.cluster[key];
    if (a !== b) changes.push(`${key} ${a ?? '(unset)'} → ${b ?? '(unset)'}`);
  }
  if (JSON.stringify(base.expectations) !== JSON.stringify(head.expectations))
    changes.push(`access expectations ${base.expectations.length} → ${head.expectations.length} entries`);
  return changes;
}

function byId<T extends { id: string }>(items: T[]): Map<string, T> {
  return new Map(items.map((i) => [i.id, i]));
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function summarize(diff: Omit<PlanDiff, 'summary' | 'changed' | 'replacesCa' | 'grantsUnrevocableAdmin'>): string {
  const parts: string[] = [];
  for (const r of diff.rotations.refused) parts.push(`REFUSED rotation stage of ${r.authority}`);
  for (const st of diff.rotations.stages)
    parts.push(`${st.title} rotation: generation ${st.to.generation} ${st.to.phase}`);
  const counts = (what: string, x: { added: unknown[]; removed: unknown[]; changed?: unknown[] }) => {
    const bits = [
      x.changed?.length ? `${x.changed.length} changed` : '',
      x.added.length ? `${x.added.length} added` : '',
      x.removed.length ? `${x.removed.length} removed` : '',
    ].filter(Boolean);
    const total = x.added.length + x.removed.length + (x.changed?.length ?? 0);
    if (bits.length) parts.push(`${plural(total, what)} (${bits.join(', ')})`);
  };
  const replaced = (id: string) => (id === 'sa' ? 'the sa key' : id === 'sa-issuer' ? 'the sa issuer' : `CA ${id}`);
  if (diff.impact.replacements.length)
    parts.unshift(`REPLACES ${diff.impact.replacements.map((r) => replaced(r.id)).join(', ')}`);
  if (diff.cluster.length) parts.push(plural(diff.cluster.length, 'cluster setting') + ' changed');
  counts('node', diff.nodes);
  counts('certificate', diff.certificates);
  counts('kubeconfig', diff.kubeconfigs);
  counts('RBAC object', diff.rbac);
  if (diff.impact.reissued.length) parts.push(`${plural(diff.impact.reissued.length, 'certificate')} reissued`);
  if (diff.access.length)
    parts.push(`access of ${plural(diff.access.length, 'identity').replace('identitys', 'identities')} changes`);
  return parts.length ? parts.join('; ') : 'no changes';
}

/**
 * The semantic diff of two plans for review: certificates, kubeconfigs and RBAC objects added, removed and changed
 * (field by field), the impact (replacements, reissues, redistribution, files per node) and who gains or loses access.
 */
export function diffPlans(base: PkiPlan, head: PkiPlan): PlanDiff {
  const baseCerts = byId(base.certificates);
  const headCerts = byId(head.certificates);
  const certificates: PlanDiff['certificates'] = { added: [], removed: [], changed: [] };
  for (const [id, c] of headCerts) {
    const before = baseCerts.get(id);
    if (!before) certificates.added.push(certificateRef(c));
    else {
      const changes = certificateChanges(before, c);
      if (changes.length) certificates.changed.push({ ...certificateRef(c), changes });
    }
  }
  for (const [id, c] of baseCerts) if (!headCerts.has(id)) certificates.removed.push(certificateRef(c));

  const baseKubeconfigs = byId(base.kubeconfigs);
  const headKubeconfigs = byId(head.kubeconfigs);
  const kubeconfigs: PlanDiff['kubeconfigs'] = { added: [], removed: [], changed: [] };
  const kubeconfigDelta = new Map<string, string[]>();
  for (const [id, k] of headKubeconfigs) {
    const before = baseKubeconfigs.get(id);
    if (!before) kubeconfigs.added.push(kubeconfigRef(head, k));
    else {
      const changes = kubeconfigChanges(before, k);
      if (changes.length) {
        kubeconfigDelta.set(id, changes);
        kubeconfigs.changed.push({ ...kubeconfigRef(head, k), changes });
      }
    }
  }
  for (const [id, k] of baseKubeconfigs) if (!headKubeconfigs.has(id)) kubeconfigs.removed.push(kubeconfigRef(base, k));

  const baseNodes = new Set(base.nodes.map((n) => n.name));
  const headNodes = new Set(head.nodes.map((n) => n.name));
  const partial = {
    base: { name: base.metadata.name },
    head: { name: head.metadata.name },
    cluster: clusterChanges(base, head),
    nodes: {
      added: [...headNodes].filter((n) => !baseNodes.has(n)),
      removed: [...baseNodes].filter((n) => !headNodes.has(n)),
    },
    certificates,
    kubeconfigs,
    rbac: diffRbac(base, head),
    access: diffAccess(base, head),
    impact: diffImpact(base, head, kubeconfigDelta),
  };
  const impact = partial.impact;
  const changedFiles = new Set(impact.directories.flatMap((d) => [...d.added, ...d.changed]));
  const withRotations = { ...partial, rotations: diffRotations(base, head, changedFiles) };
  const changed =
    partial.cluster.length > 0 ||
    partial.impact.directories.length > 0 ||
    partial.impact.replacements.length > 0 ||
    partial.access.length > 0 ||
    partial.rbac.added.length + partial.rbac.removed.length + partial.rbac.changed.length > 0 ||
    certificates.added.length + certificates.removed.length + certificates.changed.length > 0;
  const rotating = withRotations.rotations.stages.length + withRotations.rotations.refused.length > 0;
  // kubeadm's super-admin.conf is system:masters by design (and by kubeadm's hand): what blocks is a new one.
  const kubeadmOwn = new Set(head.identities.filter((i) => i.kind === 'kubeadm').map((i) => i.ref));
  const grantsUnrevocableAdmin = withRotations.access
    .filter((a) => a.clusterAdmin?.after === 'UNREVOCABLE' && !kubeadmOwn.has(a.identity))
    .map((a) => a.identity);
  const summary = [
    grantsUnrevocableAdmin.length ? `GRANTS unrevocable cluster-admin to ${grantsUnrevocableAdmin.join(', ')}` : '',
    summarize(withRotations),
  ]
    .filter(Boolean)
    .join('; ');
  return {
    ...withRotations,
    changed: changed || rotating,
    replacesCa: impact.replacements.length > 0 || withRotations.rotations.refused.length > 0,
    grantsUnrevocableAdmin,
    summary,
  };
}

/**
 * `--exit-code`: 0 no change, 1 changes, 3 changes that must block a merge: a CA, the sa key or the sa issuer
 * replaced, or an identity made cluster-admin equivalent beyond any RBAC change's reach (system:masters).
 */
export function diffExitCode(diff: PlanDiff): 0 | 1 | 3 {
  return diff.replacesCa || diff.grantsUnrevocableAdmin.length > 0 ? 3 : diff.changed ? 1 : 0;
}
