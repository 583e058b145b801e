/**
 * The DER encoder that issues every certificate: what it writes is compared, byte for byte, with what @peculiar/x509's
 * generator (the encoder kubepki used before) writes for the same fields, read back by @peculiar/x509 and by Node's
 * OpenSSL, and verified by the openssl binary. One RSA key pair per file; everything else is ECDSA.
 */
import { webcrypto } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as x509 from '@peculiar/x509';
import { beforeAll, describe, expect, it } from 'vitest';
import { KeyPair, ParsedCertificate, issueCertificate, keyAlgorithmParameters } from '../../src/crypto';
import type { CertificateContent, KeyAlgorithm } from '../../src/vocabulary';
import { requireBinary, runBinary } from '../support/peer-binaries';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const now = new Date('2026-06-01T12:00:00.123Z');

const caTemplate: CertificateContent = {
  commonName: 'kubernetes',
  organizations: [],
  dnsNames: ['kubernetes'],
  ipAddresses: [],
  keyUsages: ['digitalSignature', 'keyEncipherment', 'keyCertSign'],
  extendedKeyUsages: [],
  isCa: true,
  validityHours: 10 * 8760,
};

const leafTemplate: CertificateContent = {
  commonName: 'kube-apiserver',
  // Several O, in order, one non-printable (UTF8String) and one with PrintableString punctuation.
  organizations: ['system:masters', 'équipe', "team (a)+b,c-d./:=?'"],
  dnsNames: ['kubernetes', 'kubernetes.default.svc.cluster.local', '*.example.internal'],
  ipAddresses: ['10.96.0.1', '::1', 'fd00::10'],
  keyUsages: ['digitalSignature', 'keyEncipherment'],
  extendedKeyUsages: ['serverAuth', 'clientAuth'],
  isCa: false,
  validityHours: 8760,
};

/** What @peculiar/x509's generator encodes for the same fields, serial and validity as `issued`. */
async function peculiarTbs(
  issued: ParsedCertificate,
  template: CertificateContent,
  subject: KeyPair,
  issuer: { certificate: ParsedCertificate; key: KeyPair } | undefined,
) {
  const signer = issuer?.key ?? subject;
  const params = keyAlgorithmParameters[signer.algorithm];
  const flags = {
    digitalSignature: x509.KeyUsageFlags.digitalSignature,
    keyEncipherment: x509.KeyUsageFlags.keyEncipherment,
    keyCertSign: x509.KeyUsageFlags.keyCertSign,
  };
  const publicKey = await subject.publicCryptoKey();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(template.isCa, template.pathLength, true),
    new x509.KeyUsagesExtension(
      template.keyUsages.reduce((f, u) => f | flags[u], 0),
      true,
    ),
  ];
  if (template.extendedKeyUsages.length) {
    extensions.push(
      new x509.ExtendedKeyUsageExtension(
        template.extendedKeyUsages.map((u) =>
          u === 'serverAuth' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth,
        ),
        false,
      ),
    );
  }
  const names = [
    ...template.dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...template.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
  ];
  if (names.length) extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
  if (template.isCa) extensions.push(await x509.SubjectKeyIdentifierExtension.create(publicKey, false));
  if (issuer)
    extensions.push(
      await x509.AuthorityKeyIdentifierExtension.create(new x509.X509Certificate(issuer.certificate.pem), false),
    );
  const subjectName = [...template.organizations.map((o) => ({ O: [o] })), { CN: [template.commonName] }];
  const generated = await x509.X509CertificateGenerator.create({
    serialNumber: issued.serialNumber,
    subject: subjectName,
    issuer: issuer ? new x509.X509Certificate(issuer.certificate.pem).subjectName : subjectName,
    notBefore: issued.notBefore,
    notAfter: issued.notAfter,
    signingAlgorithm: params.sign,
    publicKey,
    signingKey: await signer.cryptoKey(),
    extensions,
  });
  return tbsOf(Buffer.from(generated.rawData));
}

/** The TBSCertificate element of a DER certificate, as encoded: the first element inside the outer SEQUENCE. */
function tbsOf(certificate: Buffer): Buffer {
  const headerLength = (at: number) => (certificate[at + 1]! & 0x80 ? 2 + (certificate[at + 1]! & 0x7f) : 2);
  const contentLength = (at: number) => {
    const first = certificate[at + 1]!;
    if (!(first & 0x80)) return first;
    return [...certificate.subarray(at + 2, at + 2 + (first & 0x7f))].reduce((n, b) => n * 256 + b, 0);
  };
  const start = headerLength(0);
  return certificate.subarray(start, start + headerLength(start) + contentLength(start));
}

describe.each<KeyAlgorithm>(['ECDSA-P256', 'ECDSA-P384', 'RSA-2048'])(
  'certificates encoded as DER (%s)',
  (algorithm) => {
    let caKey: KeyPair;
    let ca: ParsedCertificate;
    let leafKey: KeyPair;
    let leaf: ParsedCertificate;

    beforeAll(async () => {
      caKey = await KeyPair.generate(algorithm);
      // The leaf is ECDSA under every CA: one RSA key pair for the file, the signature algorithm is the CA's.
      leafKey = await KeyPair.generate('ECDSA-P256');
      ca = await issueCertificate({ ...caTemplate, pathLength: 0 }, caKey, undefined, now);
      leaf = await issueCertificate(leafTemplate, leafKey, { certificate: ca, key: caKey }, now);
    });

    it('are byte for byte what @peculiar/x509 encodes for the same fields (TBSCertificate), CA and leaf', async () => {
      expect(tbsOf(ca.node.raw).equals(await peculiarTbs(ca, { ...caTemplate, pathLength: 0 }, caKey, undefined))).toBe(
        true,
      );
      expect(
        tbsOf(leaf.node.raw).equals(await peculiarTbs(leaf, leafTemplate, leafKey, { certificate: ca, key: caKey })),
      ).toBe(true);
    });

    it('read back with every field, and their signatures verify (@peculiar/x509 and OpenSSL)', async () => {
      const parsed = new x509.X509Certificate(leaf.pem);
      expect(parsed.subject).toBe(`O=system:masters, O=équipe, O=team (a)\\+b\\,c-d./:=?', CN=kube-apiserver`);
      expect(parsed.issuer).toBe('CN=kubernetes');
      expect(parsed.notBefore.toISOString()).toBe('2026-06-01T11:55:00.000Z');
      expect(parsed.notAfter.toISOString()).toBe('2027-06-01T12:00:00.000Z');
      expect(leaf).toMatchObject({
        commonName: 'kube-apiserver',
        organizations: leafTemplate.organizations,
        dnsNames: leafTemplate.dnsNames,
        ipAddresses: leafTemplate.ipAddresses,
      });
      expect(leaf.keyUsages).toEqual(['digitalSignature', 'keyEncipherment']);
      expect(leaf.extendedKeyUsages).toEqual(['serverAuth', 'clientAuth']);
      expect(leaf.isCa).toBe(false);
      expect(ca.isCa).toBe(true);
      expect(parsed.getExtension(x509.BasicConstraintsExtension)?.critical).toBe(true);
      expect(parsed.getExtension(x509.KeyUsagesExtension)?.critical).toBe(true);
      expect(new x509.X509Certificate(ca.pem).getExtension(x509.BasicConstraintsExtension)?.pathLength).toBe(0);
      expect(ca.pathLength).toBe(0);
      expect(leaf.pathLength).toBeUndefined();
      expect(parsed.signatureAlgorithm.hash.name).toBe(algorithm === 'ECDSA-P384' ? 'SHA-384' : 'SHA-256');
      expect(await parsed.verify({ publicKey: await caKey.publicCryptoKey(), signatureOnly: true })).toBe(true);
      expect(leaf.isIssuedBy(ca)).toBe(true);
      expect(ca.isIssuedBy(ca)).toBe(true);
      expect(leaf.matchesKey(leafKey)).toBe(true);
    });
  },
);

describe.runIf(requireBinary('openssl', 'openssl verify of DER-encoded certificates'))(
  'certificates encoded as DER, checked by openssl',
  () => {
    it("openssl verifies a chain, and a leaf names a foreign CA by the CA's own subject key identifier", async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubepki-der-'));
      try {
        // A CA made by openssl with a subject key identifier no key hash produces, and a non-ASCII UTF8String name.
        await runBinary('openssl', [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-keyout',
          path.join(dir, 'ca.key'),
          '-out',
          path.join(dir, 'ca.crt'),
          '-days',
          '30',
          '-utf8',
          '-subj',
          '/O=Société/CN=foreign-ca',
          '-addext',
          'subjectKeyIdentifier=0102030405060708090a0b0c0d0e0f1011121314',
          '-addext',
          'authorityKeyIdentifier=keyid',
          '-addext',
          'basicConstraints=critical,CA:TRUE',
          '-addext',
          'keyUsage=critical,keyCertSign,digitalSignature',
        ]);
        const issuer = {
          certificate: ParsedCertificate.fromPem(fs.readFileSync(path.join(dir, 'ca.crt'))),
          key: KeyPair.fromPem(fs.readFileSync(path.join(dir, 'ca.key'))),
        };
        const leaf = await issueCertificate(
          { ...leafTemplate, organizations: ['system:nodes'], commonName: 'system:node:w1' },
          await KeyPair.generate('ECDSA-P256'),
          issuer,
          new Date(),
        );
        fs.writeFileSync(path.join(dir, 'leaf.crt'), leaf.pem);
        const aki = new x509.X509Certificate(leaf.pem).getExtension(x509.AuthorityKeyIdentifierExtension);
        expect(aki?.keyId).toBe('0102030405060708090a0b0c0d0e0f1011121314');
        // The issuer name is the CA's subject as encoded there (UTF8String), so OpenSSL's name chaining holds.
        const verified = await runBinary('openssl', [
          'verify',
          '-x509_strict',
          '-purpose',
          'sslserver',
          '-CAfile',
          path.join(dir, 'ca.crt'),
          path.join(dir, 'leaf.crt'),
        ]);
        expect(verified.stdout + verified.stderr).toContain(': OK');
        const text = (await runBinary('openssl', ['x509', '-in', path.join(dir, 'leaf.crt'), '-noout', '-text']))
          .stdout;
        expect(text).toContain('Issuer: O = Soci\\C3\\A9t\\C3\\A9, CN = foreign-ca'); // UTF-8 bytes, as OpenSSL escapes them
        expect(text).toContain('IP Address:0:0:0:0:0:0:0:1');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);
