import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { cliPath, repoRoot } from '../support/fixture-trees';

export interface GenerateRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `kubepki generate` as a real child process of the built CLI, optionally killed by the test hook after N writes. */
export function generateProcess(
  spec: string,
  out: string,
  options: { killAfterWrites?: number; extraArgs?: string[] } = {},
): GenerateRun {
  const env = {
    ...process.env,
    ...(options.killAfterWrites ? { KUBEPKI_TEST_KILL_AFTER_WRITES: String(options.killAfterWrites) } : {}),
  };
  const result = spawnSync(process.execPath, [cliPath, 'generate', spec, '--out', out, ...(options.extraArgs ?? [])], {
    cwd: repoRoot,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.error) throw result.error;
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

/** Starts `kubepki generate` and SIGKILLs it after `delayMs` (or lets it finish first). */
export function generateKilledAfter(spec: string, out: string, delayMs: number): Promise<GenerateRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, 'generate', spec, '--out', out, '--quiet'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}

/** Writes a spec document (edited from a fixture) to a file and returns its path. */
export function writeSpec(dir: string, name: string, document: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, yaml.dump(document));
  return file;
}

export function readSpecDocument(file: string): Record<string, any> {
  return yaml.load(fs.readFileSync(file, 'utf8')) as Record<string, any>;
}

/** Every file under `dir` whose name marks it as staged or journalled by kubepki. */
export function leftoverFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else if (entry.name.startsWith('.')) found.push(child);
    }
  };
  walk('');
  return found;
}
