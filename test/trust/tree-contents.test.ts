/**
 * What a realized tree holds, checked against the kubeadm reference table (test/support/reference-table.ts), never
 * against the plan: every file and mode, every chain, subject, SAN, usage, key and kubeconfig.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import {
  describePrivateKey,
  expectedKeyShape,
  inspectCertificate,
  isSignedBy,
  pemBlocks,
  privateKeyEncoding,
  spkiOfPrivateKey,
  spkiOfPublicKey,
  type InspectedCertificate,
} from '../support/certificate-inspection';
import { readKubeconfig, readSingleIdentityKubeconfig } from '../support/kubeconfig-file';
import {
  clusterFactsFromSpec,
  referenceCas,
  referenceCertificates,
  referenceDirectoryModes,
  referenceFiles,
  referenceKubeconfigs,
  shippedStackFacts,
  type ReferenceCaName,
} from '../support/reference-table';
import { caPem, certificateMaterial, listTree } from '../support/tree-material';
import { trustTreeCases, useRealizedTree } from './trust-trees';

/** Rule A and rule B typed out literally per node, as a cross-check of the rules coded in reference-table.ts. */
const literalServingSans: Record<
  'lab' | 'ha',
  Record<string, { apiserver: [string[], string[]]; etcd: [string[], string[]] }>
> = {
  lab: {
    cp1: {
      apiserver: [
        ['cp1', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'],
        ['10.96.0.1', '10.0.0.11'],
      ],
      etcd: [
        ['cp1', 'localhost'],
        ['10.0.0.11', '127.0.0.1', '::1'],
      ],
    },
  },
  ha: Object.fromEntries(
    [
      ['cp1', '10.0.1.11'],
      ['cp2', '10.0.1.12'],
      ['cp3', '10.0.1.13'],
    ].map(([node, address]) => [
      node!,
      {
        apiserver: [
          [
            '*.ha.example.com',
            'api.ha.example.com',
            node!,
            'ha-api.example.internal',
            'kubernetes',
            'kubernetes.default',
            'kubernetes.default.svc',
            'kubernetes.default.svc.cluster.local',
          ],
          ['10.96.0.1', address!, '192.168.50.10'],
        ],
        etcd: [
          [node!, 'localhost'],
          [address!, '127.0.0.1', '::1'],
        ],
      },
    ]),
  ),
};

const hex = (buffer: Buffer) => buffer.toString('hex');
const caNames: ReferenceCaName[] = ['ca', 'front-proxy-ca', 'etcd-ca'];

describe.each(trustTreeCases)('$stack tree, $algorithm, $via', ({ stack, algorithm, via }) => {
  const facts = shippedStackFacts[stack];
  const certificates = referenceCertificates(facts, algorithm);
  const leaves = certificates.filter((c) => !c.ca);
  const withKeys = certificates.filter((c) => c.keyPath);
  const kubeconfigs = referenceKubeconfigs(facts);
  const controlPlane = facts.controlPlane.map((cp) => cp.name);
  const tree = useRealizedTree(stack, algorithm, via);

  const inspected = new Map<string, InspectedCertificate>();
  const inspect = (id: string): InspectedCertificate => {
    let cert = inspected.get(id);
    if (!cert) {
      const expected = certificates.find((c) => c.id === id);
      if (!expected) throw new Error(`no reference certificate ${id}`);
      cert = inspectCertificate(certificateMaterial(tree().dir, expected).certPem);
      inspected.set(id, cert);
    }
    return cert;
  };
  const ca = (name: ReferenceCaName) => inspect(`cp1/${referenceCas[name].file}`);

  it('the stack file still has the facts the reference table was typed from', () => {
    expect(clusterFactsFromSpec(tree().spec)).toEqual(facts);
  });

  describe('files', () => {
    it('holds exactly the reference PKI files with their modes (keys and kubeconfigs 0600, certificates and sa.pub 0644)', () => {
      // rbac/ holds secret-free manifests, outside the kubeadm PKI tree (checked below).
      const files = listTree(tree().dir).filter((e) => e.type !== 'directory' && !e.path.startsWith('rbac/'));
      expect(files.map((f) => `${f.path} ${f.type} ${f.mode.toString(8)}`)).toEqual(
        referenceFiles(facts).map((f) => `${f.path} file ${f.mode.toString(8)}`),
      );
      const topLevel = listTree(tree().dir)
        .filter((e) => !e.path.includes('/'))
        .map((e) => e.path);
      expect(topLevel.filter((p) => p !== 'rbac')).toEqual(
        ['bootstrap-token', ...controlPlane, 'users', ...facts.workers.map((w) => w.name)].sort(),
      );
    });

    it('rbac/ manifests hold no key or certificate, and bind group kubeadm:cluster-admins to cluster-admin', () => {
      const rbac = listTree(tree().dir).filter((e) => e.path.startsWith('rbac/') && e.type === 'file');
      const docs: any[] = [];
      for (const file of rbac) {
        const text = fs.readFileSync(path.join(tree().dir, file.path), 'utf8');
        expect(text, file.path).not.toMatch(/-----BEGIN|LS0tLS1CRUdJTi/);
        expect(file.mode & 0o022, file.path).toBe(0);
        docs.push(...yaml.loadAll(text));
      }
      const binding = docs.find(
        (d) => d?.kind === 'ClusterRoleBinding' && d?.metadata?.name === 'kubeadm:cluster-admins',
      );
      expect(binding?.roleRef).toMatchObject({ kind: 'ClusterRole', name: 'cluster-admin' });
      expect(binding?.subjects).toEqual([expect.objectContaining({ kind: 'Group', name: 'kubeadm:cluster-admins' })]);
    });

    it('pki/ and pki/etcd/ are 0700', () => {
      const modes = new Map(listTree(tree().dir).map((e) => [e.path, e]));
      for (const dir of referenceDirectoryModes(facts)) {
        expect(modes.get(dir.path), dir.path).toMatchObject({ type: 'directory', mode: dir.mode });
      }
    });

    it('workers hold exactly pki/ca.crt, kubelet.conf and kubeadm.yaml, and nothing under workers/ or users/ is a CA or sa key', () => {
      const dir = tree().dir;
      const secretKeys = new Set([
        ...caNames.map((name) =>
          hex(spkiOfPrivateKey(fs.readFileSync(path.join(dir, 'cp1', referenceCas[name].keyFile)))),
        ),
        hex(spkiOfPrivateKey(fs.readFileSync(path.join(dir, 'cp1/pki/sa.key')))),
      ]);
      expect(secretKeys.size).toBe(4);
      const outsideControlPlane = [...facts.workers.map((w) => w.name), 'users'];
      for (const top of outsideControlPlane) {
        const entries = listTree(path.join(dir, top));
        if (top !== 'users') {
          expect(
            entries.map((e) => `${e.path} ${e.type}`),
            top,
          ).toEqual(['kubeadm.yaml file', 'kubelet.conf file', 'pki directory', 'pki/ca.crt file']);
        }
        for (const entry of entries.filter((e) => e.type === 'file')) {
          const text = fs.readFileSync(path.join(dir, top, entry.path), 'utf8');
          const kubeconfig = entry.path.endsWith('.conf') ? readKubeconfig(text) : undefined;
          const embedded = [
            text,
            ...(kubeconfig?.clusters.map((c) => c.certificateAuthorityData) ?? []),
            ...(kubeconfig?.users.map((u) => u.clientKeyData) ?? []),
          ];
          const keys = embedded.flatMap((t) => pemBlocks(t)).filter((b) => b.label.includes('PRIVATE KEY'));
          expect(keys.length, `${top}/${entry.path} private keys`).toBe(kubeconfig ? 1 : 0);
          for (const key of keys)
            expect(secretKeys.has(hex(spkiOfPrivateKey(key.pem))), `${top}/${entry.path} holds a CA or sa key`).toBe(
              false,
            );
        }
      }
    });

    it('CAs, CA keys and sa files are byte-identical on every control-plane node; workers copy ca.crt', () => {
      const dir = tree().dir;
      const shared = [
        ...caNames.flatMap((name) => [referenceCas[name].file, referenceCas[name].keyFile]),
        'pki/sa.key',
        'pki/sa.pub',
      ];
      for (const file of shared) {
        const first = fs.readFileSync(path.join(dir, 'cp1', file));
        for (const node of controlPlane.slice(1))
          expect(fs.readFileSync(path.join(dir, node, file)).equals(first), `${node}/${file}`).toBe(true);
      }
      for (const worker of facts.workers) {
        expect(
          fs
            .readFileSync(path.join(dir, worker.name, 'pki/ca.crt'))
            .equals(fs.readFileSync(path.join(dir, 'cp1/pki/ca.crt'))),
          worker.name,
        ).toBe(true);
      }
    });
  });

  describe('chains', () => {
    it('the three CAs are self-signed, have distinct keys and names, and none signs another', () => {
      for (const name of caNames) {
        const cert = ca(name);
        expect(isSignedBy(cert, cert), name).toBe(true);
        expect(cert.issuerCommonNames).toEqual(cert.commonNames);
        expect(cert.node.issuer).toBe(cert.node.subject);
        for (const other of caNames.filter((o) => o !== name))
          expect(isSignedBy(cert, ca(other)), `${name} by ${other}`).toBe(false);
      }
      expect(new Set(caNames.map((n) => hex(ca(n).spki))).size).toBe(3);
      // The front-proxy CA must differ from the client CA, or every front-proxy-client could act as any user.
      expect(ca('front-proxy-ca').node.subject).not.toBe(ca('ca').node.subject);
    });

    it.each(leaves)('$id is signed by $issuer and by no other CA of the tree', (expected) => {
      const cert = inspect(expected.id);
      expect(isSignedBy(cert, ca(expected.issuer))).toBe(true);
      expect(cert.issuerCommonNames).toEqual([referenceCas[expected.issuer].commonName]);
      for (const other of caNames.filter((n) => n !== expected.issuer)) {
        expect(cert.node.verify(ca(other).node.publicKey), `signature verifies with ${other}`).toBe(false);
        expect(cert.node.checkIssued(ca(other).node), `issued by ${other}`).toBe(false);
      }
      // The node's own copy of the CA is the one its daemons read.
      if (expected.node && controlPlane.includes(expected.node)) {
        const local = inspectCertificate(caPem(tree().dir, expected.issuer, expected.node));
        expect(isSignedBy(cert, local)).toBe(true);
      }
      // A leaf never outlives its CA.
      expect(cert.notAfter.getTime()).toBeLessThanOrEqual(ca(expected.issuer).notAfter.getTime());
    });
  });

  describe('profiles', () => {
    it.each(certificates)(
      '$id: CN $commonName, O $organizations, SANs, usages, CA-ness and validity as the reference says',
      (expected) => {
        const cert = inspect(expected.id);
        expect(cert.commonNames).toEqual([expected.commonName]);
        expect(cert.organizations).toEqual(expected.organizations);
        expect(cert.subjectAttributes.map((a) => a.type).filter((t) => t !== 'CN' && t !== 'O')).toEqual([]);
        expect(cert.dnsNames).toEqual(expected.dnsNames);
        expect(cert.ipAddresses).toEqual(expected.ipAddresses);
        expect(cert.otherNames).toEqual([]);
        expect(cert.keyUsages).toEqual(expected.keyUsages);
        expect(cert.keyUsageCritical).toBe(true);
        expect(cert.extendedKeyUsages).toEqual(expected.extendedKeyUsages);
        if (expected.ca) {
          expect(cert.basicConstraints).toEqual({ ca: true, pathLength: undefined, critical: true });
          expect(cert.node.ca).toBe(true);
        } else {
          expect(cert.basicConstraints?.ca ?? false).toBe(false);
          expect(cert.node.ca).toBe(false);
        }
        // NotBefore = issuance − 5 min; NotAfter = issuance + validity (second precision).
        // kubeadm (and the offline engine) backdate NotBefore by five minutes; terraform-provider-tls starts validity
        // at the moment of signing, so tls-provider certificates from `pulumi up` have no backdate. Multi-group
        // certificates come from kubepki's MultiGroupCertificate there, which backdates like kubeadm.
        const throughTlsProvider = via === 'pulumi' && expected.organizations.length <= 1;
        const backdate = throughTlsProvider ? 0 : 5 * 60_000;
        const { startedAt, finishedAt } = tree();
        expect(cert.notBefore.getTime()).toBeGreaterThanOrEqual(startedAt.getTime() - backdate - 1_000);
        expect(cert.notBefore.getTime()).toBeLessThanOrEqual(finishedAt.getTime() - backdate + 1_000);
        expect(
          Math.abs(cert.notAfter.getTime() - cert.notBefore.getTime() - backdate - expected.validityHours * 3_600_000),
        ).toBeLessThanOrEqual(2_000);
      },
    );

    it('each apiserver and etcd server/peer certificate carries its own node name and address (typed out literally)', () => {
      for (const node of controlPlane) {
        const literal = literalServingSans[stack][node]!;
        const apiserver = inspect(`${node}/pki/apiserver.crt`);
        expect([apiserver.dnsNames, apiserver.ipAddresses], `${node} apiserver`).toEqual(literal.apiserver);
        for (const name of ['etcd/server', 'etcd/peer']) {
          const cert = inspect(`${node}/pki/${name}.crt`);
          expect([cert.dnsNames, cert.ipAddresses], `${node} ${name}`).toEqual(literal.etcd);
          expect(cert.commonNames).toEqual([node]);
        }
        for (const other of controlPlane.filter((o) => o !== node)) {
          expect(apiserver.dnsNames, `${node} apiserver must not name ${other}`).not.toContain(other);
        }
      }
      if (stack === 'ha') {
        for (const node of controlPlane) {
          const apiserver = inspect(`${node}/pki/apiserver.crt`);
          expect(apiserver.dnsNames).toEqual(
            expect.arrayContaining(['ha-api.example.internal', 'api.ha.example.com', '*.ha.example.com']),
          );
          expect(apiserver.ipAddresses).toContain('192.168.50.10');
          expect(apiserver.node.checkHost('ha-api.example.internal')).toBe('ha-api.example.internal');
          expect(apiserver.node.checkHost('anything.ha.example.com')).toBe('*.ha.example.com');
          expect(apiserver.node.checkHost('a.b.ha.example.com')).toBeUndefined();
          expect(apiserver.node.checkIP('192.168.50.10')).toBe('192.168.50.10');
        }
      }
    });

    it('serial numbers are unique and no key pair is used by two certificates', () => {
      const byPem = new Map<string, string>();
      for (const expected of certificates) {
        const pem = certificateMaterial(tree().dir, expected).certPem;
        byPem.set(pem.trim(), expected.ca ?? expected.id);
      }
      // Copies of a CA are one certificate; everything else is distinct.
      expect(byPem.size).toBe(leaves.length + 3);
      const serials = [...byPem.keys()].map((pem) => inspectCertificate(pem).serialNumber);
      expect(new Set(serials).size).toBe(serials.length);
      for (const serial of serials) expect(BigInt(`0x${serial}`) > 0n).toBe(true);
      const keys = [...byPem.keys()].map((pem) => hex(inspectCertificate(pem).spki));
      keys.push(hex(spkiOfPublicKey(fs.readFileSync(path.join(tree().dir, 'cp1/pki/sa.pub')))));
      expect(new Set(keys).size).toBe(keys.length);
    });
  });

  describe('keys', () => {
    const shape = expectedKeyShape(algorithm);

    it.each(withKeys)(
      `$id: the private key is one ${shape.pemLabel} PEM block and matches the certificate`,
      (expected) => {
        const { certPem, keyPem } = certificateMaterial(tree().dir, expected);
        const blocks = pemBlocks(keyPem!);
        expect(blocks.map((b) => b.label)).toEqual([shape.pemLabel]);
        expect(privateKeyEncoding(keyPem!)).toBe(shape.encoding);
        expect(describePrivateKey(keyPem!)).toBe(shape.description);
        expect(hex(spkiOfPrivateKey(keyPem!))).toBe(hex(inspectCertificate(certPem).spki));
      },
    );

    it(`sa.key is a ${shape.pemLabel} and sa.pub is the PUBLIC KEY (PKIX) of it, on every control-plane node`, () => {
      for (const node of controlPlane) {
        const key = fs.readFileSync(path.join(tree().dir, node, 'pki/sa.key'), 'utf8');
        const pub = fs.readFileSync(path.join(tree().dir, node, 'pki/sa.pub'), 'utf8');
        expect(pemBlocks(key).map((b) => b.label)).toEqual([shape.pemLabel]);
        expect(privateKeyEncoding(key)).toBe(shape.encoding);
        expect(pemBlocks(pub).map((b) => b.label)).toEqual(['PUBLIC KEY']);
        expect(describePrivateKey(key)).toBe(shape.description);
        expect(hex(spkiOfPublicKey(pub))).toBe(hex(spkiOfPrivateKey(key)));
      }
    });
  });

  describe('kubeconfigs', () => {
    it.each(kubeconfigs)(
      '$path: cluster $clusterName at $server, user $userName ($organizations), trusting $caPath',
      (expected) => {
        const dir = tree().dir;
        const kubeconfig = readSingleIdentityKubeconfig(fs.readFileSync(path.join(dir, expected.path), 'utf8'));
        expect(kubeconfig.file).toMatchObject({ kind: 'Config', apiVersion: 'v1' });
        expect(kubeconfig.clusterName).toBe(expected.clusterName);
        expect(kubeconfig.server).toBe(expected.server);
        expect(kubeconfig.caPem).toBe(fs.readFileSync(path.join(dir, expected.caPath), 'utf8'));
        expect(kubeconfig.userName).toBe(expected.userName);
        expect(kubeconfig.file.contexts).toEqual([
          { name: expected.contextName, cluster: expected.clusterName, user: expected.userName },
        ]);
        expect(kubeconfig.currentContext).toBe(expected.contextName);

        const client = inspectCertificate(kubeconfig.clientCertificatePem);
        expect(client.commonNames).toEqual([expected.commonName]);
        expect(client.organizations).toEqual(expected.organizations);
        expect(client.extendedKeyUsages).toEqual(['clientAuth']);
        expect(isSignedBy(client, inspectCertificate(kubeconfig.caPem))).toBe(true);
        expect(hex(spkiOfPrivateKey(kubeconfig.clientKeyPem))).toBe(hex(client.spki));
      },
    );

    it('super-admin.conf exists on the first control-plane node only (like kubeadm init)', () => {
      const present = controlPlane.filter((node) => fs.existsSync(path.join(tree().dir, node, 'super-admin.conf')));
      expect(present).toEqual(['cp1']);
    });
  });
});
