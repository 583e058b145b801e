import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSpecFile } from '../../src/spec';
import { planPki } from '../../src/plan';
import { verifyPki } from '../../src/verify';
import { cliPath, removeTree, repoRoot, temporaryDirectory } from '../support/fixture-trees';
import { ensureBuilt } from '../cli/built-package';
import { generateProcess, leftoverFiles } from './generate-process';

// Full, read-only and unwritable file systems, real ones: a small tmpfs mounted for the test. Mounting needs root
// (CI runs as root); elsewhere the tests skip with the reason printed, never under CI=true.

const spec = path.join(repoRoot, 'test/fixtures/valid-lab-ecdsa.cluster.yaml');
let work: string;
let mountPoint: string;
let mounted = false;
let reason = '';

function mount(options: string): void {
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'kubepki-test', mountPoint], { stdio: 'pipe' });
  mounted = true;
}
function remount(options: string): void {
  execFileSync('mount', ['-o', `remount,${options}`, mountPoint], { stdio: 'pipe' });
}

beforeAll(() => {
  ensureBuilt();
  work = temporaryDirectory('kubepki-fs-');
  mountPoint = path.join(work, 'mnt');
  fs.mkdirSync(mountPoint);
  try {
    mount('size=4m,nr_inodes=400,mode=0755');
  } catch (error) {
    // Skipped only where mounting is impossible (no root, or a container without CAP_SYS_ADMIN); wherever the mount
    // works, CI included, the tests run.
    reason = `cannot mount a tmpfs here (${(error as Error).message.split('\n')[0]}): needs root with CAP_SYS_ADMIN`;
    console.log(`skipping the file-system tests${process.env.CI === 'true' ? ' (CI cannot mount)' : ''}: ${reason}`);
  }
});
afterAll(() => {
  if (mounted) execFileSync('umount', ['-l', mountPoint], { stdio: 'pipe' });
  removeTree(work);
});

const plan = () => planPki(loadSpecFile(spec));

describe('file-system errors, on a real tmpfs', () => {
  it('a full disk found by the preflight: exit 4, "full", before any key, nothing written', (ctx) => {
    if (!mounted) return ctx.skip(reason);
    remount('size=64k,nr_inodes=400');
    const out = path.join(mountPoint, 'small');
    const started = Date.now();
    const run = generateProcess(spec, out);
    expect(run.status, run.stderr).toBe(4);
    expect(run.stderr).toMatch(
      /cannot write into .*small: the file system is full \(ENOSPC\); free some space and run generate again\. Nothing was written\. The change needs about \d+ KiB; \d+ KiB are free\./,
    );
    expect(fs.readdirSync(out).filter((f) => !fs.statSync(path.join(out, f)).isDirectory())).toEqual([]);
    expect(leftoverFiles(out)).toEqual([]);
    console.log(`full disk refused by the preflight in ${Date.now() - started} ms`);
    fs.rmSync(out, { recursive: true, force: true });
  });

  it('the disk fills in the middle of staging (no inodes left): nothing changes, staged files removed; after freeing, the next run completes', (ctx) => {
    if (!mounted) return ctx.skip(reason);
    remount('size=4m,nr_inodes=400');
    const out = path.join(mountPoint, 'inodes');
    fs.mkdirSync(out);
    // Leave room for the directories and the preflight probes, not for the 31 staged files.
    const filler = path.join(mountPoint, 'filler');
    fs.mkdirSync(filler);
    const free = () => fs.statfsSync(mountPoint).ffree;
    for (let i = 0; free() > 16; i++) fs.writeFileSync(path.join(filler, String(i)), '');
    const run = generateProcess(spec, out);
    expect(run.status, run.stderr).toBe(4);
    expect(run.stderr).toMatch(
      /cannot write \S+: the file system is full \(ENOSPC\); free some space and run generate again\. The tree was not changed\./,
    );
    expect(leftoverFiles(out)).toEqual([]);
    const files = (dir: string): string[] =>
      fs
        .readdirSync(dir, { withFileTypes: true })
        .flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [e.name]));
    expect(files(out)).toEqual([]);
    fs.rmSync(filler, { recursive: true });
    const again = generateProcess(spec, out, { extraArgs: ['--quiet'] });
    expect(again.status, again.stderr).toBe(0);
    expect(verifyPki(out, { plan: plan() }).filter((f) => f.severity === 'error')).toEqual([]);
    fs.rmSync(out, { recursive: true, force: true });
  });

  it('a read-only mount: exit 4, "read-only (EROFS)" for the level that cannot be created, before any key', (ctx) => {
    if (!mounted) return ctx.skip(reason);
    remount('size=4m,nr_inodes=400');
    remount('ro');
    try {
      const run = generateProcess(spec, path.join(mountPoint, 'a', 'b', 'out'));
      expect(run.status, run.stderr).toBe(4);
      expect(run.stderr).toContain(
        `cannot create ${path.join(mountPoint, 'a')}: the file system is read-only (EROFS); remount it read-write or choose another --out. Nothing was written.`,
      );
    } finally {
      remount('rw');
    }
  });

  it('a read-only mount with an existing tree and a change to write: exit 4 before any key, the tree unchanged', (ctx) => {
    if (!mounted) return ctx.skip(reason);
    const out = path.join(mountPoint, 'existing');
    expect(generateProcess(spec, out, { extraArgs: ['--quiet'] }).status).toBe(0);
    fs.rmSync(path.join(out, 'users/alice.conf'));
    remount('ro');
    try {
      const run = generateProcess(spec, out);
      expect(run.status, run.stderr).toBe(4);
      expect(run.stderr).toMatch(/the file system is read-only \(EROFS\)/);
      expect(fs.existsSync(path.join(out, 'users/alice.conf'))).toBe(false);
    } finally {
      remount('rw');
    }
  });

  it.runIf(process.geteuid?.() === 0)(
    'a directory the user may not write (generate run as nobody): exit 4, "permission denied (EACCES)", before any key',
    () => {
      const parent = path.join(work, 'not-yours');
      fs.mkdirSync(parent, { mode: 0o755 });
      fs.chmodSync(work, 0o755);
      for (const out of [path.join(parent, 'out'), parent]) {
        const run = spawnSync(process.execPath, [cliPath, 'generate', spec, '--out', out], {
          cwd: repoRoot,
          uid: 65534,
          gid: 65534,
          encoding: 'utf8',
          timeout: 60_000,
        });
        expect(run.status, run.stderr).toBe(4);
        expect(run.stderr).toContain(
          `: permission denied (EACCES); run as the owner of the directory, or fix its permissions. Nothing was written.`,
        );
      }
      expect(fs.readdirSync(parent)).toEqual([]);
    },
  );
});
