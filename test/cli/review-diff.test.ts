/**
 * `kubepki diff` as CI runs it: two spec files or `--git <rev>` against a real git repository, Markdown or JSON,
 * and `--exit-code` 0 / 1 / 3.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTree, temporaryDirectory } from '../support/fixture-trees';
import { leakedSecret } from '../review/review-secrets';
import { ensureBuilt } from './built-package';
import { describeRun, kubepki, writeSpec } from './review-cli';

let dir: string;
let base: string;
beforeAll(() => {
  ensureBuilt();
  dir = temporaryDirectory('kubepki-diff-');
  base = writeSpec(dir, 'base.yaml', 'lab');
});
afterAll(() => removeTree(dir));

describe('kubepki diff <base> <head>', () => {
  it('identical specs: "no changes", exit 0 with --exit-code', async () => {
    const run = await kubepki(['diff', base, writeSpec(dir, 'same.yaml', 'lab'), '--exit-code']);
    expect(run.status, describeRun(run)).toBe(0);
    expect(run.stdout).toContain('**no changes**');
  });

  it('a certSAN added: the apiserver certificate change in Markdown, exit 1 with --exit-code and 0 without', async () => {
    const head = writeSpec(dir, 'san.yaml', 'lab', (d) => d.spec.apiServer.certSANs.push('extra.corp.example.net'));
    const run = await kubepki(['diff', base, head, '--exit-code']);
    expect(run.status, describeRun(run)).toBe(1);
    expect(run.stdout).toContain('| changed | `cp1/apiserver` | cp1 | SANs +extra.corp.example.net |');
    expect((await kubepki(['diff', base, head])).status).toBe(0);
  });

  it('the algorithm changed: blocking banner, exit 3; JSON says replacesCa', async () => {
    const head = writeSpec(dir, 'ecdsa.yaml', 'lab', (d) => (d.spec.pki.encryptionAlgorithm = 'ECDSA-P256'));
    const run = await kubepki(['diff', base, head, '--exit-code']);
    expect(run.status, describeRun(run)).toBe(3);
    expect(run.stdout).toContain('[!CAUTION]');
    const json = await kubepki(['diff', base, head, '--format', 'json', '--exit-code']);
    expect(json.status).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({ replacesCa: true, changed: true });
    for (const text of [run.stdout, json.stdout]) expect(leakedSecret(text)).toBeUndefined();
  });

  it('usage errors exit 2', async () => {
    expect((await kubepki(['diff', base])).status).toBe(2);
    expect((await kubepki(['diff', base, base, '--format', 'xml'])).status).toBe(2);
  });
});

describe('kubepki diff --git <rev> <spec>', () => {
  let repo: string;
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: repo,
      stdio: 'pipe',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@example.invalid',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@example.invalid',
      },
    });
  beforeAll(() => {
    repo = path.join(dir, 'repo');
    fs.mkdirSync(repo);
    git('init', '-q');
    writeSpec(repo, 'stacks/lab.cluster.yaml', 'lab');
    git('add', '.');
    git('commit', '-q', '-m', 'lab');
  });

  it('compares the spec at the revision with the working tree, with paths relative to the current directory', async () => {
    expect((await kubepki(['diff', '--git', 'HEAD', 'stacks/lab.cluster.yaml', '--exit-code'], repo)).status).toBe(0);
    writeSpec(repo, 'stacks/lab.cluster.yaml', 'lab', (d) => d.spec.users.push({ name: 'carol', groups: ['sre'] }));
    const run = await kubepki(['diff', '--git', 'HEAD', 'stacks/lab.cluster.yaml', '--exit-code'], repo);
    expect(run.status, describeRun(run)).toBe(1);
    expect(run.stdout).toContain('| added | `users/carol.conf` | carol | sre |');
    // From a subdirectory, the path is relative to it, as for every other verb.
    expect(
      (await kubepki(['diff', '--git', 'HEAD', 'lab.cluster.yaml', '--exit-code'], path.join(repo, 'stacks'))).status,
    ).toBe(1);
  });

  it('a spec that is new since the revision: everything is added', async () => {
    writeSpec(repo, 'stacks/ha.cluster.yaml', 'ha');
    const run = await kubepki(
      ['diff', '--git', 'HEAD', 'stacks/ha.cluster.yaml', '--format', 'json', '--exit-code'],
      repo,
    );
    expect(run.status, describeRun(run)).toBe(1);
    expect(JSON.parse(run.stdout).certificates.removed).toEqual([]);
    expect(JSON.parse(run.stdout).nodes.added).toEqual(['cp1', 'cp2', 'cp3', 'w1', 'w2', 'w3']);
  });

  it('an unknown revision is a usage error (exit 2) that says what git said', async () => {
    const run = await kubepki(['diff', '--git', 'no-such-rev', 'stacks/lab.cluster.yaml'], repo);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/git show no-such-rev:stacks\/lab\.cluster\.yaml failed/);
  });
});
