/** One problem found in a cluster spec: where it is, what kind it is, and a sentence that names the value and the fix. */
export interface SpecIssue {
  /** A stable machine-readable kind, e.g. `invalid_ip`, `unknown_field`, `duplicate_name`. */
  code: string;
  /** Dotted path into the spec document, e.g. `spec.controlPlane[1].advertiseAddress`. */
  path: string;
  /** Human sentence: quotes the value and says the fix. Never contains key material. */
  message: string;
}

/** Thrown once at the boundary with every problem in the spec, so users fix them all in one pass. */
export class SpecError extends Error {
  readonly issues: SpecIssue[];
  readonly source: string | undefined;

  constructor(issues: SpecIssue[], source?: string) {
    const where = source ? ` in ${source}` : '';
    const plural = issues.length === 1 ? 'problem' : 'problems';
    super(`${issues.length} ${plural}${where}:\n${issues.map((i) => `  ${formatSpecIssue(i)}`).join('\n')}`);
    this.name = 'SpecError';
    this.issues = issues;
    this.source = source;
  }
}

export function formatSpecIssue(issue: SpecIssue): string {
  return `${issue.path}: ${issue.message}`;
}

/** Renders a path array as users read it: `spec.controlPlane[1].advertiseAddress`. */
export function formatSpecPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out === '' ? '(document)' : out;
}

/** Quotes a value for an error message, short enough to read and never multi-line. */
export function quoteSpecValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
