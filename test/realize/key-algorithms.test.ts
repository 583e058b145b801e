import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readTreeFile, type FixtureTree } from '../support/fixture-trees';
import { sharedTree } from '../support/shared-trees';
import { readCertificate, readKubeconfig, readPrivateKey } from './tree-state';

// Where the algorithm matters: PEM forms kubeadm writes and reads, key sizes and curves, and keyEncipherment (RSA
// only). One small RSA-2048 lab tree and one ECDSA-P256 lab tree.

let rsa: FixtureTree;
let ecdsa: FixtureTree;
beforeAll(async () => {
  [rsa, ecdsa] = await Promise.all([sharedTree('lab', 'RSA-2048'), sharedTree('lab', 'ECDSA-P256')]);
});

const keyUsageLine = (t: FixtureTree, rel: string) => {
  const text = execFileSync('openssl', ['x509', '-noout', '-ext', 'keyUsage', '-in', path.join(t.dir, rel)], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return text.split('\n')[1]!.trim();
};

describe('RSA-2048', () => {
  it('keys are PKCS#1 "RSA PRIVATE KEY" PEM of 2048 bits; sa.pub is PKIX "PUBLIC KEY"', () => {
    for (const rel of ['cp1/pki/ca.key', 'cp1/pki/apiserver.key', 'cp1/pki/etcd/peer.key', 'cp1/pki/sa.key']) {
      expect(readTreeFile(rsa.dir, rel), rel).toMatch(/^-----BEGIN RSA PRIVATE KEY-{5}\n/);
      expect(readPrivateKey(rsa.dir, rel).asymmetricKeyDetails?.modulusLength, rel).toBe(2048);
    }
    expect(readTreeFile(rsa.dir, 'cp1/pki/sa.pub')).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(readKubeconfig(rsa.dir, 'users/alice.conf').keyPem).toMatch(/^-----BEGIN RSA PRIVATE KEY-{5}\n/);
  });

  it('certificates carry keyEncipherment, CAs keyCertSign too', () => {
    expect(keyUsageLine(rsa, 'cp1/pki/apiserver.crt')).toBe('Digital Signature, Key Encipherment');
    expect(keyUsageLine(rsa, 'cp1/pki/ca.crt')).toBe('Digital Signature, Key Encipherment, Certificate Sign');
    expect(readCertificate(rsa.dir, 'cp1/pki/apiserver.crt').publicKey.asymmetricKeyType).toBe('rsa');
  });
});

describe('ECDSA-P256', () => {
  it('keys are SEC1 "EC PRIVATE KEY" PEM on P-256', () => {
    for (const rel of ['cp1/pki/ca.key', 'cp1/pki/apiserver.key', 'cp1/pki/etcd/peer.key', 'cp1/pki/sa.key']) {
      expect(readTreeFile(ecdsa.dir, rel), rel).toMatch(/^-----BEGIN EC PRIVATE KEY-{5}\n/);
      expect(readPrivateKey(ecdsa.dir, rel).asymmetricKeyDetails?.namedCurve, rel).toBe('prime256v1');
    }
    expect(readKubeconfig(ecdsa.dir, 'cp1/admin.conf').keyPem).toMatch(/^-----BEGIN EC PRIVATE KEY-{5}\n/);
  });

  it('certificates carry no keyEncipherment (an ECDSA key cannot encipher), CAs keep keyCertSign', () => {
    expect(keyUsageLine(ecdsa, 'cp1/pki/apiserver.crt')).toBe('Digital Signature');
    expect(keyUsageLine(ecdsa, 'cp1/pki/front-proxy-client.crt')).toBe('Digital Signature');
    expect(keyUsageLine(ecdsa, 'cp1/pki/ca.crt')).toBe('Digital Signature, Certificate Sign');
  });
});
