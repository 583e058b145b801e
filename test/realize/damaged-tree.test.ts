import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RealizeError, realizeLocal } from '../../src/realize/local';
import { realizeStack, removeTree, type FixtureTree } from '../support/fixture-trees';
import { ageTree, changedPaths, overwrite, readTreeState } from './tree-state';

// Each kind of damage stops the run before anything is written, with an error that names the damaged file.

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) removeTree(dir);
});

async function tree(stack: 'lab' | 'ha'): Promise<FixtureTree> {
  const t = await realizeStack(stack, 'ECDSA-P256');
  made.push(t.dir);
  return t;
}

/** Damages a tree, then re-runs its own plan: returns the RealizeError after checking nothing changed on disk. */
async function rerunAfter(t: FixtureTree, damage: (dir: string) => void): Promise<RealizeError> {
  damage(t.dir);
  ageTree(t.dir);
  const before = readTreeState(t.dir);
  const error = await realizeLocal(t.plan, t.dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RealizeError);
  expect(changedPaths(before, readTreeState(t.dir))).toEqual([]);
  const realizeError = error as RealizeError;
  expect(realizeError.message).toMatch(/^nothing was written; \d+ problems? in the existing tree:/);
  for (const p of realizeError.problems) expect(realizeError.message).toContain(`${p.path}: ${p.message}`);
  return realizeError;
}

const problemsOf = (e: RealizeError) => e.problems.map((p) => `${p.code} ${p.path}`).sort();

describe('a damaged tree', () => {
  it('a certificate file with garbage in it', async () => {
    const t = await tree('lab');
    const error = await rerunAfter(t, (dir) => overwrite(dir, 'cp1/pki/apiserver.crt', 'this is not a certificate\n'));
    expect(problemsOf(error)).toEqual(['corrupt cp1/pki/apiserver.crt']);
    expect(error.problems[0]!.message).toMatch(/not a PEM certificate/);
  });

  it('a key file with garbage in it', async () => {
    const t = await tree('lab');
    const error = await rerunAfter(t, (dir) =>
      overwrite(
        dir,
        'cp1/pki/etcd/peer.key',
        `-----BEGIN EC PRIVATE KEY${'-----'}\nAAAA\n-----END EC PRIVATE KEY${'-----'}\n`,
      ),
    );
    expect(problemsOf(error)).toEqual(['corrupt cp1/pki/etcd/peer.key']);
  });

  it('a kubeconfig that is not one', async () => {
    const t = await tree('lab');
    const error = await rerunAfter(t, (dir) => overwrite(dir, 'users/alice.conf', 'apiVersion: v1\nkind: Pod\n'));
    expect(problemsOf(error)).toEqual(['corrupt users/alice.conf']);
  });

  it('keys that do not match their certificates (apiserver.key and front-proxy-client.key swapped)', async () => {
    const t = await tree('lab');
    const error = await rerunAfter(t, (dir) => {
      const a = path.join(dir, 'cp1/pki/apiserver.key');
      const b = path.join(dir, 'cp1/pki/front-proxy-client.key');
      const aKey = fs.readFileSync(a);
      fs.writeFileSync(a, fs.readFileSync(b));
      fs.writeFileSync(b, aKey);
    });
    expect(problemsOf(error)).toEqual([
      'key-mismatch cp1/pki/apiserver.key',
      'key-mismatch cp1/pki/front-proxy-client.key',
    ]);
    expect(error.problems.find((p) => p.path === 'cp1/pki/apiserver.key')!.message).toContain('cp1/pki/apiserver.crt');
  });

  it('a leaf signed by another CA of the same name (apiserver.crt and .key from another tree)', async () => {
    const t = await tree('lab');
    const other = await tree('lab');
    const error = await rerunAfter(t, (dir) => {
      for (const f of ['cp1/pki/apiserver.crt', 'cp1/pki/apiserver.key'])
        fs.copyFileSync(path.join(other.dir, f), path.join(dir, f));
    });
    expect(problemsOf(error)).toEqual(['wrong-issuer cp1/pki/apiserver.crt']);
    expect(error.problems[0]!.message).toMatch(/not signed by its CA ca/);
  });

  it('CA files that differ between control-plane nodes (ha: cp2 holds another tree’s CA)', async () => {
    const t = await tree('ha');
    const other = await tree('ha');
    const error = await rerunAfter(t, (dir) => {
      for (const f of ['cp2/pki/ca.crt', 'cp2/pki/ca.key']) fs.copyFileSync(path.join(other.dir, f), path.join(dir, f));
    });
    expect(problemsOf(error)).toEqual(['ca-mismatch cp2/pki/ca.crt', 'ca-mismatch cp2/pki/ca.key']);
    expect(error.problems.find((p) => p.path === 'cp2/pki/ca.crt')!.message).toContain('differs from cp1/pki/ca.crt');
  });

  it('a service-account public key that does not match sa.key on one node', async () => {
    const t = await tree('ha');
    const other = await tree('ha');
    const error = await rerunAfter(t, (dir) =>
      fs.copyFileSync(path.join(other.dir, 'cp3/pki/sa.pub'), path.join(dir, 'cp3/pki/sa.pub')),
    );
    expect(problemsOf(error)).toEqual(['ca-mismatch cp3/pki/sa.pub']);
  });

  it('every problem is reported at once', async () => {
    const t = await tree('lab');
    const error = await rerunAfter(t, (dir) => {
      overwrite(dir, 'cp1/pki/apiserver.crt', 'garbage');
      overwrite(dir, 'users/alice.conf', 'garbage: true');
      fs.rmSync(path.join(dir, 'cp1/pki/front-proxy-client.key'));
    });
    expect(problemsOf(error)).toEqual([
      'corrupt cp1/pki/apiserver.crt',
      'corrupt users/alice.conf',
      'missing-key cp1/pki/front-proxy-client.crt',
    ]);
  });
});
