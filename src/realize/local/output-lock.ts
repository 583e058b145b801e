import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** Thrown when another run still holds the output directory after the wait. */
export class OutputLockedError extends Error {
  constructor(dir: string, holder: string, waitedMs: number) {
    super(
      `${dir} is being written by another kubepki run (${holder})${waitedMs >= 1000 ? ` still after waiting ${Math.round(waitedMs / 1000)}s` : ''}; let it finish and run generate again, or pass --wait <seconds> to wait longer. Nothing was written`,
    );
    this.name = 'OutputLockedError';
  }
}

/**
 * One writer per output directory. The lock is a Unix socket bound in Linux's abstract namespace under a name made
 * of the directory's device and inode: binding is atomic, a second bind fails, and the kernel unbinds it when the
 * process exits in any way — SIGKILL and power loss included — so there is never a stale lock to clean up and no pid
 * to trust after reuse. The holder answers connections with its pid, for the waiting run's message.
 * Elsewhere (no abstract namespace) a socket file in the temporary directory plays the same part; a file left by a
 * dead process is detected by the refused connection and replaced.
 * The lock covers processes of one host and network namespace (containers sharing a volume do not see each other's).
 */
export class OutputLock {
  private constructor(private readonly server: net.Server) {}

  static async acquire(dir: string, waitMs: number, onWait?: (holder: string) => void): Promise<OutputLock> {
    const stat = fs.statSync(dir);
    const name = `kubepki-${stat.dev.toString(16)}-${stat.ino.toString(16)}`;
    const address = process.platform === 'linux' ? `\0${name}` : path.join(os.tmpdir(), `${name}.lock`);
    const started = Date.now();
    let told = false;
    for (;;) {
      const server = net.createServer((socket) => {
        // A waiting run may give up and close its end before the answer is written (EPIPE): that is its business,
        // and an unhandled socket error would end the run that holds the lock in the middle of its writes.
        socket.on('error', () => undefined);
        socket.end(`pid ${process.pid}`);
      });
      const bound = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
        server.once('error', resolve);
        server.listen({ path: address, exclusive: true }, () => resolve(undefined));
      });
      if (!bound) {
        server.unref(); // the lock must not keep a finished program alive
        return new OutputLock(server);
      }
      if (bound.code !== 'EADDRINUSE') throw bound;
      const holder = await askHolder(address);
      if (holder === undefined && process.platform !== 'linux') {
        fs.rmSync(address, { force: true }); // a socket file whose process died
        continue;
      }
      const waited = Date.now() - started;
      if (waited >= waitMs) throw new OutputLockedError(dir, holder ?? 'it exited just now', waitMs === 0 ? 0 : waited);
      if (!told) onWait?.(holder ?? 'another run');
      told = true;
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 150));
    }
  }

  async release(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The holder's pid as it reports it; undefined when nobody answers. */
function askHolder(address: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    let answer = '';
    const socket = net.connect({ path: address });
    const timer = setTimeout(() => socket.destroy(), 1000);
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer ? answer.slice(0, 40) : undefined);
    });
    socket.on('error', () => undefined);
  });
}
