import * as yaml from 'js-yaml';
import type { RbacFilePlan } from '../plan';

/** JSON with object keys sorted, so two documents compare by content, not by key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/**
 * Whether an existing rbac/ file already holds exactly the planned objects, compared by content: comments, key order
 * and YAML style are not drift. `generate` keeps such a file and `verify --spec` accepts it — both ask this. A re-run
 * checks this first, so an unchanged tree never needs cdk8s at all.
 */
export function rbacFileHolds(file: RbacFilePlan, text: string): boolean {
  try {
    const documents = yaml.loadAll(text).filter((d) => d !== null && d !== undefined);
    return canonicalJson(documents) === canonicalJson(file.objects);
  } catch {
    return false;
  }
}
