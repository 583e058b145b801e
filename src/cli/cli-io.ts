/** Where the CLI writes; tests pass their own to capture output. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  stderr: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

/** Exit codes shared by every verb. */
export const exitCodes = {
  ok: 0,
  /** A check failed (verify findings, can-i "no", a diff with changes under --exit-code) or the tree has problems. */
  failed: 1,
  /** Bad input: usage, spec, flags. Nothing was written. */
  badInput: 2,
  /** A diff that replaces a CA or the sa key. */
  caChange: 3,
  /** The file system refused (read-only, full, permission) or another run holds the output directory. */
  fileSystem: 4,
} as const;

/** A usage problem: printed with the verb's usage line, exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
