import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSpecFile } from '../../src/spec';
import { planPki, type PkiPlan } from '../../src/plan';
import { realizeLocal } from '../../src/realize/local';
import { verifyPki } from '../../src/verify';
import { removeTree, repoRoot, temporaryDirectory } from '../support/fixture-trees';
import { ensureBuilt } from '../cli/built-package';
import { generateKilledAfter, generateProcess, leftoverFiles, readSpecDocument, writeSpec } from './generate-process';

// A real `kubepki generate` is SIGKILLed at many points of its commit — after the Nth write, through the test-only
// KUBEPKI_TEST_KILL_AFTER_WRITES hook, and at a few random moments — and the next run must converge, without any
// manual step, to a tree `verify --spec` passes, with the CAs and sa key that were on disk before.

const authorities = [
  'cp1/pki/ca.crt',
  'cp1/pki/ca.key',
  'cp1/pki/etcd/ca.crt',
  'cp1/pki/etcd/ca.key',
  'cp1/pki/front-proxy-ca.crt',
  'cp1/pki/front-proxy-ca.key',
  'cp1/pki/sa.key',
  'cp1/pki/sa.pub',
];
const read = (dir: string, rel: string) => fs.readFileSync(path.join(dir, rel));

let work: string;
let base: string;
let grownSpec: string;
let grownPlan: PkiPlan;
let writesOfChange: number;
let stagedOfChange: number;
let fullRunMs: number;
let filesOfNewTree: number;

beforeAll(async () => {
  ensureBuilt();
  work = temporaryDirectory('kubepki-crash-');
  const document = readSpecDocument(path.join(repoRoot, 'test/fixtures/valid-lab-ecdsa.cluster.yaml'));
  base = path.join(work, 'base');
  await realizeLocal(planPki(loadSpecFile(writeSpec(work, 'base.yaml', document))), base);
  // The change: a second worker, a second user, and alice in one more group (her kubeconfig is reissued).
  document.spec.workers.push({ name: 'w2', address: '10.0.0.22' });
  document.spec.users.push({ name: 'bob', groups: ['dev-team'] });
  document.spec.users[0].groups.push('auditors');
  grownSpec = writeSpec(work, 'grown.yaml', document);
  grownPlan = planPki(loadSpecFile(grownSpec));
  const probe = path.join(work, 'probe');
  fs.cpSync(base, probe, { recursive: true });
  const report = await realizeLocal(grownPlan, probe);
  stagedOfChange = report.changes.filter((c) => ['created', 'reissued', 'updated'].includes(c.action)).length;
  writesOfChange = stagedOfChange * 2 + 2; // staged files, the journal, the renames, the journal's removal
  const started = Date.now();
  const full = generateProcess(grownSpec, path.join(work, 'full'), { extraArgs: ['--quiet'] });
  expect(full.status, full.stderr).toBe(0);
  fullRunMs = Date.now() - started;
  filesOfNewTree = grownPlan.files.length;
}, 120_000);
afterAll(() => removeTree(work));

/** Regular files of the tree that are not staged (dot) files. */
function filesUnderPlannedNames(dir: string, rel = ''): string[] {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const child = rel ? `${rel}/${e.name}` : e.name;
    return e.isDirectory() ? filesUnderPlannedNames(dir, child) : e.name.startsWith('.') ? [] : [child];
  });
}

/** The next run completes the tree; verify --spec passes; nothing staged is left; the authorities are the old ones. */
async function expectConverged(dir: string, authoritiesBefore?: Map<string, Buffer>): Promise<void> {
  await realizeLocal(grownPlan, dir);
  expect(leftoverFiles(dir)).toEqual([]);
  const errors = verifyPki(dir, { plan: grownPlan }).filter((f) => f.severity === 'error');
  expect(errors).toEqual([]);
  for (const [rel, content] of authoritiesBefore ?? []) expect(read(dir, rel).equals(content), rel).toBe(true);
  const again = await realizeLocal(grownPlan, dir);
  expect(again.changes.filter((c) => c.action !== 'kept')).toEqual([]);
}

describe('generate killed with SIGKILL', () => {
  it('after every few writes of a change to an existing tree, and around the commit point, the next run converges with the same CAs', async () => {
    const before = new Map(authorities.map((rel) => [rel, read(base, rel)]));
    const stride = Math.max(1, Math.floor(writesOfChange / 10));
    const points = [
      ...new Set([
        1,
        stagedOfChange,
        stagedOfChange + 1,
        stagedOfChange + 2,
        writesOfChange - 1,
        writesOfChange,
        ...Array.from({ length: 10 }, (_, i) => 1 + i * stride),
      ]),
    ]
      .filter((n) => n >= 1 && n <= writesOfChange)
      .sort((a, b) => a - b);
    let killed = 0;
    for (const n of points) {
      const dir = path.join(work, `kill-${n}`);
      fs.cpSync(base, dir, { recursive: true });
      const run = generateProcess(grownSpec, dir, { killAfterWrites: n, extraArgs: ['--quiet'] });
      expect(run.signal, `write ${n}: ${run.stderr}`).toBe('SIGKILL');
      killed++;
      // Killed before the commit point the tree is exactly the old one; after it, the journal completes it.
      const journalled = fs.existsSync(path.join(dir, '.kubepki-journal'));
      expect(journalled, `write ${n}`).toBe(n > stagedOfChange && n < writesOfChange);
      if (!journalled) {
        // The old tree, intact; verify's only errors are the staged files that hold keys or credentials.
        const errors = verifyPki(dir).filter((f) => f.severity === 'error');
        expect(errors.filter((f) => f.id !== 'file.staged')).toEqual([]);
        for (const e of errors) expect(leftoverFiles(dir)).toContain(e.file);
      }
      await expectConverged(dir, before);
      removeTree(dir);
    }
    expect(killed).toBeGreaterThanOrEqual(10);
    console.log(`crash test: ${killed} deterministic kills over ${writesOfChange} writes of a change`);
  }, 300_000);

  it('while writing a new tree, after every few writes, the next run converges and keeps a CA that was committed', async () => {
    const writes = filesOfNewTree * 2 + 2;
    const points = [1, 9, 23, filesOfNewTree, filesOfNewTree + 1, filesOfNewTree + 2, filesOfNewTree + 12, writes - 1];
    for (const n of points) {
      const dir = path.join(work, `new-${n}`);
      const run = generateProcess(grownSpec, dir, { killAfterWrites: n, extraArgs: ['--quiet'] });
      expect(run.signal, `write ${n}: ${run.stderr}`).toBe('SIGKILL');
      const committed = fs.existsSync(path.join(dir, '.kubepki-journal'));
      expect(committed, `write ${n}`).toBe(n > filesOfNewTree);
      // Before the commit point nothing but staged files exists (staged several at a time: at least the n counted,
      // none under a planned name); after it, the journal names the CA to keep.
      if (!committed) {
        expect(leftoverFiles(dir).length).toBeGreaterThanOrEqual(n);
        expect(filesUnderPlannedNames(dir)).toEqual([]);
      }
      const stagedCa = committed
        ? fs.readdirSync(path.join(dir, 'cp1/pki')).find((f) => /^\.ca\.crt\..*\.tmp$/.test(f))
        : undefined;
      const expectedCa = stagedCa
        ? read(dir, `cp1/pki/${stagedCa}`)
        : fs.existsSync(path.join(dir, 'cp1/pki/ca.crt'))
          ? read(dir, 'cp1/pki/ca.crt')
          : undefined;
      await expectConverged(dir, expectedCa ? new Map([['cp1/pki/ca.crt', expectedCa]]) : undefined);
      removeTree(dir);
    }
    console.log(`crash test: ${points.length} deterministic kills over ${writes} writes of a new tree`);
  }, 300_000);

  it('while writing a new tree, at random moments, the next run converges and keeps any CA that reached the disk', async () => {
    for (const delayMs of [0, 1, 2].map(() => Math.floor(fullRunMs * (0.4 + Math.random() * 0.6)))) {
      const dir = path.join(work, `random-${delayMs}`);
      const run = await generateKilledAfter(grownSpec, dir, delayMs);
      expect(run.signal === 'SIGKILL' || run.status === 0, run.stderr).toBe(true);
      const caOnDisk = fs.existsSync(path.join(dir, 'cp1/pki/ca.crt'))
        ? new Map([
            ['cp1/pki/ca.crt', read(dir, 'cp1/pki/ca.crt')],
            ['cp1/pki/ca.key', read(dir, 'cp1/pki/ca.key')],
          ])
        : undefined;
      await expectConverged(dir, caOnDisk);
      removeTree(dir);
    }
  }, 120_000);
});
