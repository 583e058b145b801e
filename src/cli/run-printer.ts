import type { FileChange, RealizeObserver } from '../realize/local';
import type { CliIo } from './cli-io';

/** One file's line: `created  cp1/pki/ca.crt`, `reissued cp1/pki/apiserver.crt  (SANs changed)`. */
export const fileLine = (change: FileChange) =>
  `${change.action.padEnd(9)}${change.path}${change.reason ? `  (${change.reason})` : ''}`;

/** A status line is redrawn at most this often, and always for the last step (done = total). */
const statusIntervalMs = 100;

/**
 * How a writing verb (generate, renew, csr) shows its run. On a terminal (stderr), one live status line on stderr
 * for key generation, then for the writes (`writing 812/2587 files, 3.1 s`), cleared at the end. When stdout is a
 * terminal, each file's line as it happens: kept and other untouched files once known (before the writes), each
 * written file right after it is in place, in commit order (keys, then certificates, then kubeconfigs). Otherwise
 * every line at the end, in the report's order, exactly as before live lines existed. Nothing of it with --quiet.
 */
export class RunPrinter {
  private readonly start = Date.now();
  private lastStatus = 0;
  private readonly printed = new Set<FileChange>();

  /** @param shown which lines the verb prints (renew leaves out kept files) */
  constructor(
    private readonly io: CliIo,
    private readonly quiet: boolean,
    private readonly shown: (change: FileChange) => boolean = () => true,
  ) {}

  /** The key pool's progress (see KeyPool), for a status line; undefined when there is none to show. */
  get keys(): ((done: number, started: number) => void) | undefined {
    if (!this.io.progress || this.quiet) return undefined;
    return (done, started) => this.status(done, started, `generating keys: ${done}/${started} done`);
  }

  /** What the run tells as it goes: only what this printer shows, so a run without a terminal is told nothing. */
  get observer(): RealizeObserver {
    if (this.quiet) return {};
    return {
      ...(this.io.liveLines ? { onFile: (change: FileChange) => this.print(change) } : {}),
      ...(this.io.progress
        ? { onWrite: (done: number, total: number) => this.status(done, total, `writing ${done}/${total} files`) }
        : {}),
    };
  }

  /** After the run: clears the status line, then prints the report's lines not printed live, in the report's order. */
  finish(changes: readonly FileChange[]): void {
    this.io.progress?.(undefined);
    if (!this.quiet) for (const change of changes) this.print(change);
  }

  private print(change: FileChange): void {
    if (this.printed.has(change) || !this.shown(change)) return;
    this.printed.add(change);
    this.io.stdout(fileLine(change));
  }

  private status(done: number, total: number, text: string): void {
    const now = Date.now();
    if (done < total && now - this.lastStatus < statusIntervalMs) return;
    this.lastStatus = now;
    this.io.progress?.(`${text}, ${((now - this.start) / 1000).toFixed(1)} s`);
  }
}
