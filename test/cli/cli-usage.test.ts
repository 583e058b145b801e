/**
 * The command line as kubectl users expect it: per-verb help with every flag and two examples, `kubepki help <verb>`,
 * did-you-mean for verbs and flags, unknown flags in kubepki's own words, one -o/--output for formats (and `generate`
 * keeping --out only), a progress line on a terminal only, and --dry-run counting the keys the run would generate.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planPki } from '../../src/plan';
import { verbs } from '../../src/cli/verbs';
import { cliPath, removeTree, repoRoot, stackFile, stackSpec, temporaryDirectory } from '../support/fixture-trees';
import { ensureBuilt } from './built-package';
import { describeRun, kubepki, writeSpec } from './review-cli';

let root: string;
beforeAll(() => {
  ensureBuilt();
  root = temporaryDirectory('kubepki-cli-usage-');
});
afterAll(() => removeTree(root));

describe('help', () => {
  it.each(verbs.map((v) => v.name))('kubepki help %s: usage, two examples, every flag described', async (name) => {
    const verb = verbs.find((v) => v.name === name)!;
    const run = await kubepki(['help', name]);
    expect(run.status, describeRun(run)).toBe(0);
    expect(run.stdout).toMatch(/^Usage:\n {2}kubepki /m);
    const examples = run.stdout.slice(run.stdout.indexOf('Examples:'), run.stdout.indexOf('Flags:'));
    expect(examples.match(/^ {2}kubepki /gm)?.length ?? 0).toBeGreaterThanOrEqual(2);
    expect(examples.match(/^ {2}# /gm)?.length ?? 0).toBeGreaterThanOrEqual(2);
    for (const [flag, spec] of Object.entries(verb.flags).filter(([, f]) => !f.hidden)) {
      expect(run.stdout).toMatch(
        new RegExp(`^ {2}${spec.short ? `-${spec.short}, ` : ' {4}'}--${flag}\\b.* {3}\\S`, 'm'),
      );
    }
    // `kubepki <verb> --help` prints the same.
    expect((await kubepki([name, '--help'])).stdout).toBe(run.stdout);
  });

  it.each(verbs.map((v) => v.name))('the usage of %s names every flag its help lists', (name) => {
    const verb = verbs.find((v) => v.name === name)!;
    const usage = verb.usage.join('\n');
    const missing = Object.entries(verb.flags)
      .filter(([, f]) => !f.hidden)
      .filter(([flag, f]) => !new RegExp(`(--${flag}|-${f.short ?? '\\0'})\\b`).test(usage))
      .map(([flag]) => flag);
    expect(missing, usage).toEqual([]);
  });

  it('kubepki help lists every verb; an unknown verb gets a suggestion, exit 2', async () => {
    const top = await kubepki(['help']);
    for (const v of verbs)
      expect(top.stdout).toMatch(
        new RegExp(`^ {2}${v.name} +${v.summary.slice(0, 20).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm'),
      );
    const typo = await kubepki(['genrate', stackFile('lab')]);
    expect(typo.status).toBe(2);
    expect(typo.stderr).toContain('kubepki: unknown verb "genrate": did you mean "generate"?');
    expect((await kubepki(['help', 'expirey'])).stderr).toContain('did you mean "expiry"?');
  });
});

describe('flags', () => {
  it("an unknown flag: kubepki's words, the closest flag, exit 2, never Node's parseArgs text", async () => {
    const run = await kubepki(['generate', stackFile('lab'), '--otu', path.join(root, 'x')]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(
      'kubepki generate: unknown flag "--otu": did you mean --out? (kubepki help generate lists every flag)',
    );
    expect(run.stderr).not.toMatch(/Unknown option|ERR_PARSE_ARGS|To specify a positional/);
    expect(
      (await kubepki(['can-i', stackFile('team'), '--as', 'user:alice', 'get', 'pods', '--namspace', 'x'])).stderr,
    ).toContain('did you mean --namespace?');
    expect((await kubepki(['plan', stackFile('lab'), '--output'])).stderr).toContain(
      'kubepki plan: --output needs a value (<format>)',
    );
  });

  it.each([
    ['join-command', ['out/lab', '--nod', 'w1'], '--nod', '--node'],
    ['cfssl-config', ['stacks/lab.cluster.yaml', '--outt', 'x'], '--outt', undefined],
    ['user-request', ['alice', '--grop', 'dev'], '--grop', '--group'],
  ])(
    "%s parses its flags as every verb does: kubepki's own error, did-you-mean, exit 2",
    async (verb, args, bad, guess) => {
      const run = await kubepki([verb, ...args], root);
      expect(run.status).toBe(2);
      expect(run.stderr).toContain(
        `kubepki ${verb}: unknown flag "${bad}"${guess ? `: did you mean ${guess}?` : ''} (kubepki help ${verb} lists every flag)`,
      );
      expect(run.stderr).not.toMatch(/Unknown option|To specify a positional/);
      expect(fs.readdirSync(root)).not.toContain('alice.key');
    },
  );

  it('a flag before the verb is an unknown flag, with --help or --version suggested when close', async () => {
    const bogus = await kubepki(['--bogus']);
    expect(bogus.status).toBe(2);
    expect(bogus.stderr).toContain('kubepki: unknown flag "--bogus"');
    expect(bogus.stderr).not.toContain('unknown verb');
    expect((await kubepki(['--hepl'])).stderr).toContain('unknown flag "--hepl": did you mean --help?');
    expect((await kubepki(['--verison'])).stderr).toContain('did you mean --version?');
  });

  it('generate -o json is refused with the reason (it used to write the PKI into ./json); nothing is written', async () => {
    const run = await kubepki(['generate', stackFile('lab'), '-o', 'json'], root);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('generate writes files, and takes the directory as --out <dir>');
    expect(fs.existsSync(path.join(root, 'json'))).toBe(false);
  });

  it('-o and --output select the format on every verb that prints; --format stays accepted', async () => {
    const lab = stackFile('lab');
    expect((await kubepki(['plan', lab, '-o', 'json'])).stdout).toBe(
      (await kubepki(['plan', lab, '--output', 'json'])).stdout,
    );
    expect(JSON.parse((await kubepki(['plan', lab, '--format', 'json'])).stdout)).toHaveProperty('certificates');
    expect((await kubepki(['graph', lab, '-o', 'dot'])).stdout).toMatch(/^digraph /);
    expect(JSON.parse((await kubepki(['diff', lab, lab, '-o', 'json'])).stdout)).toBeTypeOf('object');
    expect((await kubepki(['diff', lab, lab, '-o', 'yaml'])).status).toBe(0);
    const access = await kubepki(['access', stackFile('team'), '-o', 'yaml']);
    expect(access.stdout).toMatch(/^cluster: team$/m);
    expect((await kubepki(['access', stackFile('team'), '-o', 'text'])).stdout).toMatch(/^Access of cluster team: /);
    const bad = await kubepki(['access', stackFile('team'), '-o', 'jsno']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('-o "jsno": use text, md, json, yaml (did you mean json?)');
  });
});

describe('generate: progress and counts', () => {
  const script = (command: string[]) =>
    // util-linux `script` gives the command a real terminal: stderr.isTTY is true, as when a user runs it.
    spawnSync('script', ['-qec', command.map((a) => `'${a}'`).join(' '), '/dev/null'], {
      encoding: 'utf8',
      timeout: 120_000,
      cwd: repoRoot,
    });

  it('--dry-run into a new directory counts the keys the run will generate, and the run generates exactly those', async () => {
    const spec = writeSpec(root, 'lab-ec.yaml', 'lab', (d) => (d.spec.pki.encryptionAlgorithm = 'ECDSA-P256'));
    const plan = planPki(stackSpec('lab', 'ECDSA-P256'));
    const keys = plan.certificates.length + plan.keyPairs.length;
    const out = path.join(root, 'counted');
    const dry = await kubepki(['generate', spec, '--out', out, '--dry-run']);
    expect(dry.stderr, describeRun(dry)).toMatch(new RegExp(`; ${keys} keys would be generated → `));
    expect(fs.existsSync(out)).toBe(false);
    const real = await kubepki(['generate', spec, '--out', out, '--quiet']);
    expect(real.stderr).toMatch(new RegExp(`; ${keys} keys generated → `));
    const again = await kubepki(['generate', spec, '--out', out, '--dry-run']);
    expect(again.stderr).toMatch(/; 0 keys would be generated → /);
  });

  it.runIf(fs.existsSync('/usr/bin/script') || process.env.CI === 'true')(
    'on a terminal: a live "generating keys" then "writing" line on stderr, erased before each per-file line; none with --quiet',
    async () => {
      const spec = writeSpec(root, 'lab-ec-tty.yaml', 'lab', (d) => (d.spec.pki.encryptionAlgorithm = 'ECDSA-P256'));
      const tty = script([process.execPath, cliPath, 'generate', spec, '--out', path.join(root, 'tty')]);
      expect(tty.status, tty.stdout).toBe(0);
      expect(tty.stdout).toMatch(/\x1b\[2Kgenerating keys: \d+\/\d+ done, \d+\.\d s/);
      // Every key done, then the writes counted; the last status is erased (carriage return, erase line) before the
      // per-file lines, which come as each file is put in place.
      expect(tty.stdout).toMatch(/generating keys: (\d+)\/\1 done, \d+\.\d s\r\x1b\[2Kwriting \d+\/\d+ files/);
      expect(tty.stdout).toMatch(/writing (\d+)\/\1 files, \d+\.\d s\r\x1b\[2Kcreated +\S/);
      const quiet = script([
        process.execPath,
        cliPath,
        'generate',
        spec,
        '--out',
        path.join(root, 'tty-quiet'),
        '--quiet',
      ]);
      expect(quiet.stdout).not.toContain('generating keys');
      expect(quiet.stdout).not.toContain('writing');
      // Not a terminal: no status line at all.
      const piped = await kubepki(['generate', spec, '--out', path.join(root, 'piped')]);
      expect(piped.stderr + piped.stdout).not.toMatch(/generating keys|writing \d/);
      expect(piped.stderr + piped.stdout).not.toContain('\x1b[');
    },
  );
});
