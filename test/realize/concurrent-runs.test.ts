import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSpecFile } from '../../src/spec';
import { planPki } from '../../src/plan';
import { verifyPki } from '../../src/verify';
import { OutputLock } from '../../src/realize/local/output-lock';
import { cliPath, removeTree, repoRoot, temporaryDirectory } from '../support/fixture-trees';
import { ensureBuilt } from '../cli/built-package';
import { generateProcess, leftoverFiles, type GenerateRun } from './generate-process';

// One writer at a time: real processes racing for one output directory.

const spec = path.join(repoRoot, 'test/fixtures/valid-lab-ecdsa.cluster.yaml');
let work: string;
beforeAll(() => {
  ensureBuilt();
  work = temporaryDirectory('kubepki-concurrent-');
});
afterAll(() => removeTree(work));

function startGenerate(out: string, extraArgs: string[] = []): Promise<GenerateRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, 'generate', spec, '--out', out, ...extraArgs], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

describe('concurrent generate runs', () => {
  it('three runs into one new directory 0.2 s apart: each waits its turn, one creates, the others keep, one consistent tree', async () => {
    const out = path.join(work, 'three');
    const runs: Promise<GenerateRun>[] = [];
    for (let i = 0; i < 3; i++) {
      runs.push(startGenerate(out));
      await new Promise((r) => setTimeout(r, 200));
    }
    const results = await Promise.all(runs);
    for (const r of results) expect(r.status, r.stderr).toBe(0);
    const creators = results.filter((r) => /^created /m.test(r.stdout));
    expect(creators).toHaveLength(1);
    for (const r of results.filter((x) => x !== creators[0]))
      expect(r.stdout.split('\n').filter((l) => l && !l.startsWith('kept '))).toEqual([]);
    const plan = planPki(loadSpecFile(spec));
    expect(verifyPki(out, { plan }).filter((f) => f.severity === 'error')).toEqual([]);
    expect(fs.readFileSync(path.join(out, 'w1/pki/ca.crt'))).toEqual(fs.readFileSync(path.join(out, 'cp1/pki/ca.crt')));
    expect(leftoverFiles(out)).toEqual([]);
  }, 120_000);

  it('--wait 0 while another run holds the directory: exit 4, names the holder, writes nothing', async () => {
    const out = path.join(work, 'held');
    fs.mkdirSync(out);
    const lock = await OutputLock.acquire(out, 0);
    try {
      const run = await startGenerate(out, ['--wait', '0']); // async: this process must answer the holder question
      expect(run.status).toBe(4);
      expect(run.stderr).toContain(`is being written by another kubepki run (pid ${process.pid})`);
      expect(run.stderr).toContain('--wait <seconds>');
      expect(fs.readdirSync(out)).toEqual([]);
    } finally {
      await lock.release();
    }
    expect(generateProcess(spec, out, { extraArgs: ['--wait', '0', '--quiet'] }).status).toBe(0);
  }, 60_000);

  it('the lock of a SIGKILLed run is released by the kernel: the next run takes it at once', async () => {
    const out = path.join(work, 'killed');
    const run = generateProcess(spec, out, { killAfterWrites: 5 });
    expect(run.signal).toBe('SIGKILL');
    const lock = await OutputLock.acquire(out, 0);
    await lock.release();
    expect(generateProcess(spec, out, { extraArgs: ['--wait', '0', '--quiet'] }).status).toBe(0);
  }, 60_000);
});
