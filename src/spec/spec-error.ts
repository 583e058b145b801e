import { escapeUnsafeCharacters, looksLikeKeyMaterial, redactKeyMaterial } from './safe-text';

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
    // Whatever a check quoted, key material never leaves in a message (a key pasted into any field of the spec).
    // Unknown field names are quoted as written: their control characters are shown as escapes too.
    const clean = (text: string) => escapeUnsafeCharacters(redactKeyMaterial(text));
    const redacted = issues.map((i) => ({ ...i, path: clean(i.path), message: clean(i.message) }));
    super(`${redacted.length} ${plural}${where}:\n${redacted.map((i) => `  ${formatSpecIssue(i)}`).join('\n')}`);
    this.name = 'SpecError';
    this.issues = redacted;
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

const quoteLimit = 80;

/**
 * JSON of a value, abandoned as soon as it passes `limit` characters: a YAML alias bomb must not be expanded just to
 * be quoted in an error message.
 */
function boundedJson(value: unknown, limit: number): string | undefined {
  let length = 0;
  try {
    return JSON.stringify(value, (_key, v: unknown) => {
      length += typeof v === 'string' ? v.length : 8;
      if (length > limit) throw new RangeError('long');
      return v;
    });
  } catch {
    return undefined;
  }
}

/**
 * Quotes a value for an error message, short enough to read and never multi-line. PEM text is never quoted: a key
 * file passed where a spec belongs must not end up, even in part, on a terminal or in a CI log.
 */
export function quoteSpecValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text =
    boundedJson(value, quoteLimit * 4) ??
    (Array.isArray(value)
      ? `a list of ${value.length} items`
      : typeof value === 'object'
        ? 'a mapping'
        : String(value as string | number | boolean | bigint | symbol | null));
  if (looksLikeKeyMaterial(text)) return '(looks like key material, not shown)';
  // JSON leaves DEL, C1 and bidirectional controls raw: show them as escapes, so the message reads as it is.
  text = escapeUnsafeCharacters(text);
  return text.length > quoteLimit ? `${text.slice(0, quoteLimit - 3)}...` : text;
}
