import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planPki, type PkiPlan } from '../../src/plan';
import { certificateDrift } from '../../src/compare';
import { ParsedCertificate, KeyPair } from '../../src/crypto';
import { parseKubeconfig } from '../../src/outputs';
import { realizeLocal } from '../../src/realize/local';
import { stackSpec, removeTree, temporaryDirectory } from '../support/fixture-trees';
import { inspectCertificate, isSignedBy, spkiOfPrivateKey } from '../support/certificate-inspection';
import { TlsProviderEmulator } from '../support/tls-provider-emulator';
import { pulumi, runKubePki, type PulumiRun } from '../support/pulumi-realize';

/** What a certificate file says, for comparing two realizations of one plan. */
function certificateFacts(pem: string) {
  const c = ParsedCertificate.fromPem(pem);
  return {
    cn: c.commonName,
    o: c.organizations,
    dns: [...c.dnsNames].sort(),
    ip: [...c.ipAddresses].sort(),
    ku: [...c.keyUsages].sort(),
    eku: [...c.extendedKeyUsages].sort(),
    ca: c.isCa,
    alg: c.algorithm,
  };
}

/** Every planned certificate's facts as found in a tree (pki files or kubeconfig-embedded). */
function treeFacts(plan: PkiPlan, dir: string): Record<string, ReturnType<typeof certificateFacts>> {
  const facts: Record<string, ReturnType<typeof certificateFacts>> = {};
  for (const file of plan.files) {
    const text = fs.readFileSync(path.join(dir, file.path), 'utf8');
    if (file.content.kind === 'certificate') facts[file.content.of] = certificateFacts(text);
    if (file.content.kind === 'kubeconfig')
      facts[file.content.of] = certificateFacts(parseKubeconfig(text).clientCertificatePem!);
  }
  return facts;
}

describe.each(['lab', 'ha'] as const)(
  'KubePki component, %s stack, ECDSA-P256, under mocks with the tls emulator',
  (stack) => {
    let run: PulumiRun;
    let offlineDir: string;
    beforeAll(async () => {
      const plan = planPki(stackSpec(stack, 'ECDSA-P256'));
      run = await runKubePki(new TlsProviderEmulator(), plan, temporaryDirectory(`kubepki-pulumi-${stack}-`), stack);
      offlineDir = temporaryDirectory(`kubepki-offline-${stack}-`);
      await realizeLocal(plan, offlineDir);
    }, 120_000);
    afterAll(() => {
      removeTree(run?.dir);
      removeTree(offlineDir);
    });

    it('writes every planned file with its planned mode', () => {
      for (const file of run.plan.files) {
        const stat = fs.statSync(path.join(run.dir, file.path));
        expect(stat.mode & 0o777, file.path).toBe(file.mode);
      }
    });

    it('issues certificates that are exactly what the plan says (no drift on any planned property)', () => {
      for (const cert of run.plan.certificates) {
        const file = run.plan.files.find(
          (f) => f.content.of === cert.id && (f.content.kind === 'certificate' || f.content.kind === 'kubeconfig'),
        )!;
        const text = fs.readFileSync(path.join(run.dir, file.path), 'utf8');
        const pem = file.content.kind === 'kubeconfig' ? parseKubeconfig(text).clientCertificatePem! : text;
        expect(certificateDrift(cert, ParsedCertificate.fromPem(pem)), cert.id).toEqual([]);
      }
    });

    it('produces the same certificates, property for property, as the offline engine', () => {
      expect(treeFacts(run.plan, run.dir)).toEqual(treeFacts(run.plan, offlineDir));
    });

    it('chains every leaf to its planned CA, and every key matches its certificate', () => {
      const caPem = (id: string) =>
        fs.readFileSync(
          path.join(run.dir, run.plan.files.find((f) => f.content.kind === 'certificate' && f.content.of === id)!.path),
          'utf8',
        );
      for (const cert of run.plan.certificates.filter((c) => !c.isCa && c.storage === 'pki')) {
        const certFile = run.plan.files.find((f) => f.content.kind === 'certificate' && f.content.of === cert.id)!;
        const keyFile = run.plan.files.find((f) => f.content.kind === 'private-key' && f.content.of === cert.id)!;
        // Checked with the test's own inspection helpers (Node's X509Certificate), not kubepki's crypto module.
        const inspected = inspectCertificate(fs.readFileSync(path.join(run.dir, certFile.path)));
        expect(isSignedBy(inspected, inspectCertificate(caPem(cert.issuer))), cert.id).toBe(true);
        for (const other of ['ca', 'front-proxy-ca', 'etcd-ca'].filter((id) => id !== cert.issuer)) {
          expect(isSignedBy(inspected, inspectCertificate(caPem(other))), `${cert.id} must not chain to ${other}`).toBe(
            false,
          );
        }
        expect(
          spkiOfPrivateKey(fs.readFileSync(path.join(run.dir, keyFile.path))).equals(
            inspected.node.publicKey.export({ format: 'der', type: 'spki' }),
          ),
          cert.id,
        ).toBe(true);
      }
    });

    it('gives multi-group users one certificate carrying every group (through the MultiGroupCertificate dynamic resource)', () => {
      const multi = run.plan.certificates.filter((c) => c.subject.organizations.length > 1);
      expect(multi.length).toBeGreaterThan(0);
      for (const cert of multi) {
        const kc = parseKubeconfig(
          fs.readFileSync(path.join(run.dir, `users/${cert.subject.commonName}.conf`), 'utf8'),
        );
        expect(ParsedCertificate.fromPem(kc.clientCertificatePem!).organizations).toEqual(cert.subject.organizations);
      }
    });

    it('keeps every private key and kubeconfig a secret output', async () => {
      for (const [id, c] of Object.entries(run.pki.certificates))
        expect(await pulumi.isSecret(c.privateKeyPem), id).toBe(true);
      for (const [id, kc] of Object.entries(run.pki.kubeconfigs)) expect(await pulumi.isSecret(kc), id).toBe(true);
      expect(await pulumi.isSecret(run.pki.serviceAccountPrivateKeyPem)).toBe(true);
      expect(await pulumi.isSecret(run.pki.serviceAccountPublicKeyPem)).toBe(false);
      for (const c of Object.values(run.pki.certificates)) expect(await pulumi.isSecret(c.certPem)).toBe(false);
    });

    it('writes sa.pub matching sa.key', () => {
      const key = KeyPair.fromPem(fs.readFileSync(path.join(run.dir, 'cp1/pki/sa.key')));
      expect(fs.readFileSync(path.join(run.dir, 'cp1/pki/sa.pub'), 'utf8').trim()).toBe(key.publicKeyPem().trim());
    });
  },
);
