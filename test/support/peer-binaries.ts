/**
 * Real peer programs (openssl, kubectl, etcd, …) for conformance tests.
 *
 * Policy: on a developer machine a missing program skips its tests with a printed reason; under `CI=true` nothing is
 * skipped — the tests run and fail with a message naming the missing program.
 *
 * ```ts
 * const haveOpenssl = requireBinary('openssl', 'openssl verify conformance');
 * describe.runIf(haveOpenssl)('openssl verify', () => { ... await runBinary('openssl', ['verify', ...]) ... });
 * ```
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Absolute path of an executable found on PATH, or undefined. */
export function findBinary(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

const reported = new Set<string>();

/**
 * Whether tests that need `name` should run. Present → true. Missing and `CI !== 'true'` → prints
 * `[skip] <purpose>: '<name>' not found on PATH` once and returns false. Missing under `CI=true` → true, so the tests run
 * and {@link runBinary} fails them with a clear message.
 */
export function requireBinary(name: string, purpose = `tests that run ${name}`): boolean {
  if (findBinary(name)) return true;
  if (process.env.CI === 'true') return true;
  if (!reported.has(name)) {
    reported.add(name);
    console.warn(`[skip] ${purpose}: '${name}' not found on PATH (set CI=true to make this a failure)`);
  }
  return false;
}

export interface BinaryResult {
  /** Exit code; null when killed (e.g. by the timeout). */
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program with arguments (no shell) and resolves with its exit code and output — a non-zero exit is a result,
 * not an error. Rejects only when the program cannot be started (e.g. missing under CI=true) or exceeds `timeoutMs`.
 */
export function runBinary(
  name: string,
  args: string[],
  options: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<BinaryResult> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  return new Promise((resolve, reject) => {
    const child = execFile(
      name,
      args,
      { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, env: options.env ?? process.env },
      (error, stdout, stderr) => {
        const err = error as (NodeJS.ErrnoException & { killed?: boolean; code?: number | string }) | null;
        if (err?.code === 'ENOENT')
          return reject(new Error(`'${name}' is required (CI=true) but was not found on PATH`));
        if (err?.killed) return reject(new Error(`${name} ${args.join(' ')} timed out after ${timeoutMs} ms`));
        if (err && typeof err.code !== 'number') return reject(err);
        resolve({ code: err ? Number(err.code) : 0, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}
