import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { repoRoot, stackFile } from '../support/fixture-trees';

// Helpers shared by the access tests: run the built CLI as users do, write spec variants, find kubectl.

export { describeRun, type CliRun } from '../support/built-cli';
export { runKubepki } from '../support/run-kubepki';
import type { CliRun } from '../support/built-cli';

export const teamStackFile = stackFile('team');
export const fixtureFile = (name: string) => path.join(repoRoot, 'test', 'fixtures', name);

/** The team stack as a raw document (before defaults), for writing variants. */
export function teamDocument(): Record<string, any> {
  return yaml.load(fs.readFileSync(teamStackFile, 'utf8')) as Record<string, any>;
}

/** Writes a raw spec document as YAML into dir and returns its path. */
export function writeSpec(dir: string, name: string, document: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, yaml.dump(document, { lineWidth: -1, noRefs: true }));
  return file;
}

/** Every file under dir, relative, sorted. */
export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else out.push(child);
    }
  };
  walk('');
  return out.sort();
}

/** base64url JSON of a JWT segment. */
export function decodeJwtSegment(segment: string): Record<string, any> {
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as Record<string, any>;
}

/**
 * Whether kubectl can run here. Missing kubectl skips (with the reason printed) on developer machines, but fails
 * under CI=true, where a missing peer must not turn a suite silently green.
 */
export function kubectlStatus(): { available: true } | { available: false; reason: string } {
  const probe = spawnSync('kubectl', ['version', '--client', '-o', 'json'], { encoding: 'utf8', timeout: 30_000 });
  if (!probe.error && probe.status === 0) return { available: true };
  const reason = probe.error
    ? `kubectl not runnable: ${probe.error.message}`
    : `kubectl version --client exited ${probe.status}: ${probe.stderr.trim()}`;
  if (process.env.CI === 'true') throw new Error(`${reason} (CI=true: kubectl is required)`);
  console.warn(`skipping kubectl checks: ${reason}`);
  return { available: false, reason };
}

/** Runs kubectl with only the given kubeconfig in play. */
export function kubectl(kubeconfig: string, args: string[]): CliRun {
  const env = { ...process.env };
  delete env.KUBECONFIG;
  const result = spawnSync('kubectl', ['--kubeconfig', kubeconfig, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
    env,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
