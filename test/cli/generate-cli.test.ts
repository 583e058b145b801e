import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadSpecFile } from '../../src/spec';
import { planPki } from '../../src/plan';
import { cliPath, removeTree, repoRoot, temporaryDirectory } from '../support/fixture-trees';
import { ageTree, changedPaths, readTreeState } from '../realize/tree-state';
import { ensureBuilt } from './built-package';
import { runKubepki } from '../support/run-kubepki';

// The built CLI as users run it: `node dist/cli/main.js`, a child process, real exit codes and output streams.

const fixture = (name: string) => path.join(repoRoot, 'test', 'fixtures', name);
const labSpec = fixture('valid-lab-ecdsa.cluster.yaml');

const kubepki = (args: string[], cwd = repoRoot) => runKubepki(args, { cwd });

const lines = (text: string) => text.split('\n').filter((l) => l !== '');

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) removeTree(dir);
});
function newDirectory(): string {
  const dir = temporaryDirectory('kubepki-cli-');
  made.push(dir);
  return dir;
}

beforeAll(() => ensureBuilt());

describe('kubepki generate', () => {
  it('prints one `created  <path>` line per planned file, then `kept` for all of them on a re-run', async () => {
    const out = path.join(newDirectory(), 'out');
    const plan = planPki(loadSpecFile(labSpec));
    const paths = plan.files.map((f) => f.path);

    const first = await kubepki(['generate', labSpec, '--out', out]);
    // One key per certificate (CAs, leaves, kubeconfig client certificates) and the service-account key.
    expect(first.stderr).toMatch(
      new RegExp(`^${paths.length} created; ${plan.certificates.length + 1} keys generated → `),
    );
    expect(first.status).toBe(0);
    expect(lines(first.stdout)).toEqual(paths.map((p) => `created  ${p}`));
    expect(paths.every((p) => fs.existsSync(path.join(out, p)))).toBe(true);

    ageTree(out);
    const before = readTreeState(out);
    const second = await kubepki(['generate', labSpec, '--out', out]);
    expect(second.status).toBe(0);
    expect(lines(second.stdout)).toEqual(paths.map((p) => `kept     ${p}`));
    expect(second.stderr).toMatch(new RegExp(`^${paths.length} kept; 0 keys generated`));
    expect(changedPaths(before, readTreeState(out))).toEqual([]);
  });

  it('--dry-run on a new directory prints what it would create and creates nothing', async () => {
    const parent = newDirectory();
    const out = path.join(parent, 'out');
    const paths = planPki(loadSpecFile(labSpec)).files.map((f) => f.path);
    const run = await kubepki(['generate', labSpec, '--out', out, '--dry-run']);
    expect(run.status).toBe(0);
    expect(lines(run.stdout)).toEqual(paths.map((p) => `created  ${p}`));
    expect(run.stderr).toMatch(/^dry run, nothing written: /);
    expect(fs.readdirSync(parent)).toEqual([]);
  });

  it('--dry-run after a spec change prints exactly what the real run then prints, and writes nothing', async () => {
    const dir = newDirectory();
    const out = path.join(dir, 'out');
    expect((await kubepki(['generate', labSpec, '--out', out])).status).toBe(0);
    const changed = path.join(dir, 'changed.cluster.yaml');
    fs.writeFileSync(
      changed,
      fs
        .readFileSync(labSpec, 'utf8')
        .replace(
          '- {name: alice, groups: [dev-team, oncall]}',
          '- {name: alice, groups: [dev-team]}\n    - {name: frank}',
        ),
    );
    ageTree(out);
    const before = readTreeState(out);
    const dry = await kubepki(['generate', changed, '--out', out, '--dry-run']);
    expect(dry.status).toBe(0);
    expect(changedPaths(before, readTreeState(out))).toEqual([]);
    const real = await kubepki(['generate', changed, '--out', out]);
    expect(real.status).toBe(0);
    expect(dry.stdout).toBe(real.stdout);
    expect(lines(real.stdout).filter((l) => !l.startsWith('kept '))).toEqual([
      expect.stringMatching(/^reissued users\/alice\.conf {2}\(.*oncall.*\)$/),
      'created  users/frank.conf',
    ]);
  });

  it('a bad spec exits 2, prints every problem with its path, and creates no output directory', async () => {
    const parent = newDirectory();
    const out = path.join(parent, 'out');
    const spec = fixture('invalid-many-problems.cluster.yaml');
    const run = await kubepki(['generate', spec, '--out', out]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    const expected = [
      'spec.networking.serviceSubnet: "10.96.0.0/33"',
      'spec.controlPlane[1].advertiseAddress: "10.0.0.300" is not an IPv4 or IPv6 address',
      'spec.workers[0].name: "cp1" is already the name of spec.controlPlane[0].name',
      'spec.workers[1].name: "Worker_1" is not a DNS-1123 label',
      'spec.workers[2].name: "users" is reserved',
      'spec.pki.encryptionAlgoritm: unknown field: did you mean "encryptionAlgorithm"?',
      'spec.pki.certificateValidityPeriod: "1y" is not a Go duration',
      'spec.users[0].name: "../etc/passwd" is not a usable user name',
    ];
    for (const line of expected) expect(run.stderr).toContain(line);
    expect(run.stderr).toContain(`${expected.length} problems in ${spec}`);
    expect(run.stderr).toContain('nothing was written');
    expect(fs.existsSync(out)).toBe(false);
  });

  it('a spec file that does not exist exits 2 and names it', async () => {
    const out = path.join(newDirectory(), 'out');
    const run = await kubepki(['generate', fixture('valid-nowhere.cluster.yaml'), '--out', out]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/cannot read .*valid-nowhere\.cluster\.yaml/);
    expect(fs.existsSync(out)).toBe(false);
  });

  // Was a bug (an error thrown by a .ts spec escaped as a plain Error, exit 1); load-spec.ts now wraps it in a SpecError.
  it('a .ts spec that fails to evaluate exits 2 like any bad spec, naming the file', async () => {
    const dir = newDirectory();
    const spec = path.join(dir, 'throws.cluster.ts');
    fs.writeFileSync(spec, "throw new Error('boom');\n");
    const run = await kubepki(['generate', spec, '--out', path.join(dir, 'out')]);
    expect(run.stderr).toContain('boom');
    expect(run.stderr).toContain(spec);
    expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
    expect(run.status).toBe(2);
  });

  it('a problem in the existing tree exits 1, names the file, and changes nothing', async () => {
    const out = path.join(newDirectory(), 'out');
    expect((await kubepki(['generate', labSpec, '--out', out])).status).toBe(0);
    fs.writeFileSync(path.join(out, 'cp1/pki/apiserver.crt'), 'garbage\n');
    ageTree(out);
    const before = readTreeState(out);
    const run = await kubepki(['generate', labSpec, '--out', out]);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('nothing was written');
    expect(run.stderr).toMatch(/cp1\/pki\/apiserver\.crt: .*not a PEM certificate/);
    expect(changedPaths(before, readTreeState(out))).toEqual([]);
  });
});

describe('usage errors', () => {
  it('generate without --out exits 2 with its usage line, and writes nothing', async () => {
    const cwd = newDirectory();
    const run = await kubepki(['generate', labSpec], cwd);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--out <dir> is required');
    expect(run.stderr).toContain('usage: kubepki generate <spec> --out <dir> [--dry-run]');
    expect(fs.readdirSync(cwd)).toEqual([]);
  });

  it('generate without a spec, or with an unknown flag, exits 2 with its usage line', async () => {
    for (const args of [
      ['generate', '--out', 'x'],
      ['generate', labSpec, '--out', 'x', '--frobnicate'],
    ]) {
      const cwd = newDirectory();
      const run = await kubepki(args, cwd);
      expect(run.status, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).toContain('usage: kubepki generate <spec> --out <dir>');
      expect(fs.readdirSync(cwd)).toEqual([]);
    }
  });

  it('an unknown command exits 2 and lists the commands', async () => {
    const run = await kubepki(['frobnicate']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('unknown verb "frobnicate"');
    expect(run.stderr).toContain('Run "kubepki help" for the list of verbs.');
  });

  it('no command exits 2 with the usage; --help exits 0 with it', async () => {
    const bare = await kubepki([]);
    expect(bare.status).toBe(2);
    expect(bare.stdout + bare.stderr).toContain('kubepki <verb> [args] [flags]');
    const help = await kubepki(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('kubepki <verb> [args] [flags]');
    expect(help.stdout).toMatch(/^ {2}generate {2}/m);
  });
});

describe('kubepki schema', () => {
  it('prints the committed stacks/cluster.schema.json', async () => {
    const run = await kubepki(['schema']);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(fs.readFileSync(path.join(repoRoot, 'stacks', 'cluster.schema.json'), 'utf8'));
  });
});

describe('npx kubepki', () => {
  it('resolves the repository’s own bin (offline) and prints the usage', (context) => {
    // --offline: npm must not reach a registry; if it cannot resolve kubepki locally it fails with ENOTCACHED.
    const result = spawnSync('npx', ['--offline', '--no-install', 'kubepki', '--help'], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT' && process.env.CI !== 'true')
      context.skip('npx is not installed');
    if (/ENOTCACHED|E404|network/i.test(result.stderr) && result.status !== 0 && process.env.CI !== 'true')
      context.skip(`npx would need the network: ${result.stderr.trim().split('\n')[0]}`);
    // npm runs the bin file itself, so it must be executable. tsc writes new files 0644: a clean `npm run build`
    // (rm -rf dist first) leaves dist/cli/main.js without +x and npx fails with "kubepki: Permission denied" (127).
    expect(fs.statSync(cliPath).mode & 0o111, `${cliPath} is not executable; the build must chmod +x it`).not.toBe(0);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('kubepki <verb> [args] [flags]');
    expect(result.stdout).toMatch(/^ {2}generate {2,}write/m);
  });
});
