import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planPki } from '../../src/plan';
import type { RotationPhase } from '../../src/spec';
import { realizeLocal } from '../../src/realize/local';
import { serviceAccountKeyIds } from '../../src/outputs';
import { removeTree, stackSpec, temporaryDirectory } from '../support/fixture-trees';
import { freePorts } from '../support/free-port';
import { ManagedProcess, runCommand, waitFor } from '../support/managed-process';
import { findBinary, requireBinary } from '../support/peer-binaries';

// sa.pub's generation labels (`# kubepki service-account key sa-2` before a PEM block) must not stop a Go program
// from reading the file: kube-apiserver reads --service-account-key-file through Go's pem.Decode, which skips text
// outside BEGIN/END. kube-apiserver cannot be installed here; etcd 3.4 can, and its JWT token provider reads a public
// key file at start through the same pem.Decode (jwt-go's ParseECPublicKeyFromPEM), failing to start on a file it
// cannot read. So etcd is started with each stage's sa.pub as --auth-token pub-key: it starts and serves, and the
// control (a file without a PEM block) makes it exit with the parse error.

const haveEtcd = requireBinary('etcd', 'sa.pub labels read by Go (etcd JWT pub-key)');

/** Starts a one-member etcd with `pubKey` as its JWT verification key; resolves healthy, or with its exit and log. */
async function startEtcd(
  dataDir: string,
  pubKey: string,
): Promise<{ healthy: boolean; log: string; process: ManagedProcess }> {
  const [client, peer] = await freePorts(2);
  const etcd = ManagedProcess.start('etcd', findBinary('etcd') ?? 'etcd', [
    '--name',
    'sa',
    '--data-dir',
    dataDir,
    '--listen-client-urls',
    `http://127.0.0.1:${client}`,
    '--advertise-client-urls',
    `http://127.0.0.1:${client}`,
    '--listen-peer-urls',
    `http://127.0.0.1:${peer}`,
    '--initial-advertise-peer-urls',
    `http://127.0.0.1:${peer}`,
    '--initial-cluster',
    `sa=http://127.0.0.1:${peer}`,
    '--auth-token',
    `jwt,pub-key=${pubKey},sign-method=ES256`,
  ]);
  const healthy = await waitFor(
    'etcd to serve or exit',
    async () => {
      if (etcd.exitStatus) return false;
      const probe = await runCommand(
        findBinary('etcdctl') ?? 'etcdctl',
        [
          '--endpoints',
          `http://127.0.0.1:${client}`,
          '--dial-timeout',
          '2s',
          '--command-timeout',
          '3s',
          'endpoint',
          'health',
        ],
        {
          env: { ...process.env, ETCDCTL_API: '3' },
          timeoutMs: 6_000,
        },
      );
      return probe.code === 0 ? true : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 300, describe: () => etcd.log() },
  );
  return { healthy, log: etcd.log(), process: etcd };
}

describe.runIf(haveEtcd)('sa.pub with generation labels, read by Go (etcd 3.4 JWT pub-key)', () => {
  let dir: string;
  const copies = new Map<RotationPhase, string>();
  const running: ManagedProcess[] = [];
  beforeAll(async () => {
    dir = temporaryDirectory('kubepki-sa-labels-');
    const tree = path.join(dir, 'tree');
    await realizeLocal(planPki(stackSpec('lab', 'ECDSA-P256')), tree);
    for (const phase of ['trust', 'issue', 'finish'] as const) {
      await realizeLocal(
        planPki(
          stackSpec(
            'lab',
            'ECDSA-P256',
            (s) => void (s.spec.pki.rotation = { serviceAccountKey: { generation: 2, phase } }),
          ),
        ),
        tree,
        { prune: true },
      );
      const copy = path.join(dir, `sa-${phase}.pub`);
      fs.copyFileSync(path.join(tree, 'cp1/pki/sa.pub'), copy);
      copies.set(phase, copy);
    }
  }, 60_000);
  afterAll(async () => {
    for (const p of running) await p.stop();
    removeTree(dir);
  });

  it('starts and serves with the sa.pub of every stage, the labelled first key included; a file without a key stops it', async () => {
    expect(serviceAccountKeyIds(fs.readFileSync(copies.get('issue')!, 'utf8'))).toEqual(['sa-2', 'sa']);
    expect(fs.readFileSync(copies.get('finish')!, 'utf8')).toMatch(
      /^# kubepki service-account key sa-2\n-----BEGIN PUBLIC KEY-----/,
    );
    for (const [phase, file] of copies) {
      const etcd = await startEtcd(path.join(dir, `data-${phase}`), file);
      running.push(etcd.process);
      expect(etcd.healthy, `${phase}: ${etcd.log.slice(-400)}`).toBe(true);
      await etcd.process.stop();
    }
    // The control: the same start with a public-key file Go cannot read fails, so a start above means it was read.
    const unreadable = path.join(dir, 'no-key.pub');
    fs.writeFileSync(unreadable, '# kubepki service-account key sa-2\nno PEM block here\n');
    const refused = await startEtcd(path.join(dir, 'data-control'), unreadable);
    running.push(refused.process);
    expect(refused.healthy).toBe(false);
    expect(refused.log).toContain('Key must be a PEM encoded');
  }, 120_000);
});
