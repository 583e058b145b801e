/**
 * Defects only a tree of several control-plane nodes can have (ha stack, ECDSA-P256): one node's files copied onto
 * another, a node that lost its copy of a CA, a node with a foreign sa key. Each must be an error on the damaged file,
 * judged against what the other control-plane nodes hold.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyPki } from '../../src/verify';
import { useDamageableTrees, expectNamed } from './verify-test-trees';

const trees = useDamageableTrees('ha');
const damagedCopy = trees.damagedCopy;

/** Copies `<base>.crt` and `<base>.key` from one node directory to another. */
const copyPair = (fromNode: string, toNode: string, base: string) => {
  for (const ext of ['crt', 'key'])
    fs.copyFileSync(path.join(fromNode, `${base}.${ext}`), path.join(toNode, `${base}.${ext}`));
};

describe('verify an HA tree against its other control-plane nodes', () => {
  it("cp1's etcd server and peer certificates copied onto cp2: an error on each, naming the node", () => {
    const dir = damagedCopy();
    for (const base of ['pki/etcd/server', 'pki/etcd/peer'])
      copyPair(path.join(dir, 'cp1'), path.join(dir, 'cp2'), base);
    const findings = verifyPki(dir);
    const hit = expectNamed(findings, 'subject.common-name', 'cp2/pki/etcd/server.crt', ['cp2/pki/etcd/peer.crt']);
    expect(hit.message).toContain('has CN "cp1" on node "cp2"');
    expect(findings.find((f) => f.file === 'cp2/pki/etcd/peer.crt' && f.id === 'subject.common-name')?.severity).toBe(
      'error',
    );
  });

  it('a foreign sa.key on cp2 with its sa.pub removed: an error on sa.key, compared with cp1/pki/sa.key', () => {
    const dir = damagedCopy();
    fs.copyFileSync(path.join(trees.foreign().dir, 'cp2/pki/sa.key'), path.join(dir, 'cp2/pki/sa.key'));
    fs.rmSync(path.join(dir, 'cp2/pki/sa.pub'));
    const hit = expectNamed(verifyPki(dir), 'sa.differs-between-nodes', 'cp2/pki/sa.key');
    expect(hit.message).toContain('is not the same key as cp1/pki/sa.key');
  });

  it("cp2 without etcd/ca.crt and with another cluster's etcd/server.crt: judged against cp1's etcd CA", () => {
    const dir = damagedCopy();
    fs.rmSync(path.join(dir, 'cp2/pki/etcd/ca.crt'));
    copyPair(path.join(trees.foreign().dir, 'cp2'), path.join(dir, 'cp2'), 'pki/etcd/server');
    const hit = expectNamed(verifyPki(dir), 'chain.wrong-issuer', 'cp2/pki/etcd/server.crt');
    expect(hit.message).toContain('does not chain to cp1/pki/etcd/ca.crt');
  });

  it("cp3 without front-proxy-ca.crt and with another cluster's front-proxy-client: judged against cp1's front-proxy CA", () => {
    const dir = damagedCopy();
    fs.rmSync(path.join(dir, 'cp3/pki/front-proxy-ca.crt'));
    copyPair(path.join(trees.foreign().dir, 'cp3'), path.join(dir, 'cp3'), 'pki/front-proxy-client');
    const hit = expectNamed(verifyPki(dir), 'chain.wrong-issuer', 'cp3/pki/front-proxy-client.crt');
    expect(hit.message).toContain('does not chain to cp1/pki/front-proxy-ca.crt');
  });
});
