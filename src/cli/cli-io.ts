/** Where the CLI writes; tests pass their own to capture output. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /**
   * A live status line (progress of a long run) that the next one replaces; undefined clears it. Present only when
   * stderr is a terminal: piped or redirected output never gets one.
   */
  progress?(line: string | undefined): void;
  /**
   * stdout is a terminal: a writing verb prints each file's line as it happens (see RunPrinter). Otherwise (piped,
   * redirected) its lines come as one listing at the end, in the report's order, which scripts rely on.
   */
  liveLines?: boolean;
}

const lineOf = (text: string) => (text.endsWith('\n') ? text : `${text}\n`);

// Whether a status line is on the terminal now: any other output first erases it, so lines never interleave.
let statusShown = false;
const eraseStatus = () => {
  if (statusShown) process.stderr.write('\r\x1b[2K');
  statusShown = false;
};

/** A status line on a terminal: rewritten in place (carriage return, erase line), cut to the terminal's width. */
function showStatus(line: string | undefined): void {
  eraseStatus();
  if (line === undefined) return;
  // A terminal that reports no size (0 columns, as under `script`) gets 80.
  const width = Math.max(20, (process.stderr.columns || 80) - 1);
  process.stderr.write(line.length > width ? line.slice(0, width) : line);
  statusShown = true;
}

export const processIo: CliIo = {
  stdout: (text) => {
    eraseStatus();
    process.stdout.write(lineOf(text));
  },
  stderr: (text) => {
    eraseStatus();
    process.stderr.write(lineOf(text));
  },
  ...(process.stderr.isTTY ? { progress: showStatus } : {}),
  ...(process.stdout.isTTY ? { liveLines: true } : {}),
};

/** Exit codes shared by every verb. */
export const exitCodes = {
  ok: 0,
  /** A check failed (verify findings, can-i "no", a diff with changes under --exit-code) or the tree has problems. */
  failed: 1,
  /** Bad input: usage, spec, flags. Nothing was written. */
  badInput: 2,
  /** A diff that must block a merge: a CA or the sa key replaced, or a new identity with unrevocable cluster-admin. */
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
