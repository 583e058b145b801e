import type { z } from 'zod';
import { clusterSpecSchema, type ClusterSpec } from './cluster-spec-schema';
import { SpecError, formatSpecPath, quoteSpecValue, type SpecIssue } from './spec-error';
import { knownFieldsAt } from './schema-fields';
import { closestName } from './closest-name';
import { checkSpecConsistency } from './check-spec-consistency';
import { checkAccessSpec } from './check-access-spec';

/**
 * Validates a cluster spec document (already parsed from YAML/JSON or written in TS) and applies defaults.
 * Throws one SpecError carrying every problem found, each with its path, the offending value and the fix.
 */
export function parseSpec(document: unknown, source?: string): ClusterSpec {
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new SpecError(
      [
        {
          code: 'not_a_spec',
          path: '(document)',
          message: `is ${Array.isArray(document) ? 'a list' : document === null || document === undefined ? 'empty' : `a ${typeof document}`}, not a cluster spec: write a mapping with apiVersion: kubepki.io/v1alpha1, kind: Cluster, metadata and spec`,
        },
      ],
      source,
    );
  }
  const result = clusterSpecSchema.safeParse(document);
  const issues: SpecIssue[] = result.success ? [] : result.error.issues.flatMap((i) => describeZodIssue(i, document));
  issues.push(...checkSpecConsistency(document));
  issues.push(
    ...checkAccessSpec(
      result.success ? result.data.spec : parseSectionsLeniently(document),
      result.success ? undefined : rawNames(document),
    ),
  );
  if (issues.length > 0) throw new SpecError(dedupe(issues), source);
  return result.data as ClusterSpec;
}

/**
 * When the document as a whole fails the schema, the cross-reference checks still run on every section that parses
 * on its own, so a bad IP does not hide an unknown binding subject. A section that fails is left out (its own
 * problems are already reported), and checks that need it are skipped.
 */
function parseSectionsLeniently(document: unknown): Partial<ClusterSpec['spec']> {
  const raw = (document as { spec?: Record<string, unknown> } | undefined)?.spec;
  if (!raw || typeof raw !== 'object') return {};
  const shape = clusterSpecSchema.shape.spec.shape;
  const sections: Partial<ClusterSpec['spec']> = {};
  for (const key of ['controlPlane', 'workers', 'users', 'serviceAccounts', 'roles', 'access', 'expect'] as const) {
    const parsed = shape[key].safeParse(raw[key]);
    if (parsed.success) {
      (sections as Record<string, unknown>)[key] = parsed.data;
    } else if (Array.isArray(raw[key])) {
      // Keep the entries that parse, at their own index (a sparse array: iteration skips the holes), so one bad user
      // does not hide the problems of the others and every path still names the right entry.
      const schema = shape[key] as unknown as { unwrap?(): { element: z.ZodType }; element?: z.ZodType };
      const element = (schema.element ?? schema.unwrap!().element) as z.ZodType;
      const items = raw[key] as unknown[];
      const kept: unknown[] = new Array(items.length);
      items.forEach((item, i) => {
        const one = element.safeParse(item);
        if (one.success) kept[i] = one.data;
      });
      (sections as Record<string, unknown>)[key] = kept;
    }
  }
  return sections;
}

/** Names of users and service accounts as written, valid or not: a reference to one is not also "unknown". */
function rawNames(document: unknown): { users: string[]; serviceAccounts: string[] } {
  const spec = ((document as { spec?: unknown }).spec ?? {}) as { users?: unknown; serviceAccounts?: unknown };
  const entries = (value: unknown) =>
    Array.isArray(value) ? (value as Record<string, unknown>[]).filter((e) => e && typeof e === 'object') : [];
  return {
    users: entries(spec.users)
      .map((u) => u.name)
      .filter((n): n is string => typeof n === 'string'),
    // Only string names: a mapping without a prototype (YAML `{}` under a hostile key) cannot even be stringified.
    serviceAccounts: entries(spec.serviceAccounts)
      .filter((a) => typeof a.namespace === 'string' && typeof a.name === 'string')
      .map((a) => `${a.namespace as string}/${a.name as string}`),
  };
}

function valueAt(document: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = document;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment as string];
  }
  return current;
}

function describeZodIssue(issue: z.core.$ZodIssue, document: unknown): SpecIssue[] {
  const path = issue.path;
  const value = valueAt(document, path);
  const at = formatSpecPath(path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownFieldsAt(clusterSpecSchema, path);
      return issue.keys.map((key) => {
        const guess = closestName(key, known);
        const fix = guess ? `did you mean ${quoteSpecValue(guess)}?` : `allowed fields here: ${known.join(', ')}`;
        return { code: 'unknown_field', path: formatSpecPath([...path, key]), message: `unknown field: ${fix}` };
      });
    }
    case 'invalid_type':
      if (value === undefined) {
        return [{ code: 'required', path: at, message: `is required but missing: add it (${issue.expected})` }];
      }
      return [
        {
          code: 'invalid_type',
          path: at,
          message: `${quoteSpecValue(value)} is ${Array.isArray(value) ? 'a list' : `a ${value === null ? 'null' : typeof value}`} but must be ${article(issue.expected)}`,
        },
      ];
    case 'invalid_value':
      if (value === undefined) {
        return [
          {
            code: 'required',
            path: at,
            message: `is required but missing: add ${String(path[path.length - 1])}: ${issue.values.map((v) => String(v)).join(' | ')}`,
          },
        ];
      }
      return [
        {
          code: 'invalid_value',
          path: at,
          message: `${quoteSpecValue(value)} is not ${issue.values.length === 1 ? quoteSpecValue(issue.values[0]) : `one of ${issue.values.map((v) => String(v)).join(' | ')}`}`,
        },
      ];
    case 'invalid_union':
      if (at === 'spec.etcd') {
        return [
          {
            code: 'invalid_etcd',
            path: at,
            message: `${quoteSpecValue(value)} must be {local: {serverCertSANs: [], peerCertSANs: []}} (stacked etcd with its own CA) or {external: {endpoints: []}} (no etcd PKI)`,
          },
        ];
      }
      return [
        { code: 'invalid_value', path: at, message: `${quoteSpecValue(value)} matches none of the allowed shapes` },
      ];
    case 'too_small':
    case 'too_big':
      return [{ code: issue.code, path: at, message: `${quoteSpecValue(value)}: ${issue.message.toLowerCase()}` }];
    case 'custom':
      return [
        {
          code: String((issue.params as { code?: string } | undefined)?.code ?? 'invalid_value'),
          path: at,
          message: issue.message,
        },
      ];
    default:
      return [{ code: issue.code, path: at, message: issue.message }];
  }
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function dedupe(issues: SpecIssue[]): SpecIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path}\n${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
