import * as fs from 'node:fs';
import * as path from 'node:path';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyPair, ParsedCertificate, keyAlgorithmOf } from '../../src/crypto';
import { realizeStack, temporaryDirectory } from '../support/fixture-trees';
import { opensslKeyAndCsr, opensslOk, opensslRoot, opensslSelfSigned, opensslSign } from '../support/openssl-ca';

// ParsedCertificate and KeyPair read most certificates and keys by walking their DER (certificate-facts.ts,
// public-key-half.ts) instead of OpenSSL's parse. These tests hold the walk to OpenSSL's answers, read independently
// here through Node's X509Certificate and createPrivateKey, over a whole generated tree and odd certificates and keys
// made by the openssl CLI.

/** What OpenSSL says of a certificate, in ParsedCertificate's terms. */
function byOpenSsl(pem: string) {
  const x = new X509Certificate(pem);
  const subject = x.toLegacyObject().subject as unknown as Record<string, string | string[] | undefined>;
  const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  const names = (x.subjectAltName ?? '').split(', ').filter(Boolean);
  return {
    commonName: list(subject.CN)[0] ?? '',
    organizations: list(subject.O),
    dnsNames: names.filter((n) => n.startsWith('DNS:')).map((n) => n.slice(4)),
    ipAddresses: names.filter((n) => n.startsWith('IP Address:')).map((n) => ipaddr.parse(n.slice(11)).toString()),
    extendedKeyUsages: x.keyUsage ?? [],
    isCa: x.ca,
    notBefore: new Date(x.validFrom).toISOString(),
    notAfter: new Date(x.validTo).toISOString(),
    algorithm: keyAlgorithmOf(x.publicKey),
    publicKey: x.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
  };
}

const ekuOids: Record<string, string> = { serverAuth: '1.3.6.1.5.5.7.3.1', clientAuth: '1.3.6.1.5.5.7.3.2' };

function byWalk(pem: string) {
  const c = ParsedCertificate.fromPem(pem);
  return {
    commonName: c.commonName,
    organizations: c.organizations,
    dnsNames: c.dnsNames,
    ipAddresses: c.ipAddresses,
    extendedKeyUsages: [...c.extendedKeyUsages.map((u) => ekuOids[u]!), ...c.otherExtendedKeyUsages],
    isCa: c.isCa,
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
    algorithm: c.algorithm,
    publicKey: c.publicKeyDer().toString('base64'),
  };
}

const issuedByOpenSsl = (leaf: string, ca: string) => {
  const [l, c] = [new X509Certificate(leaf), new X509Certificate(ca)];
  return l.checkIssued(c) && l.verify(c.publicKey);
};

const pemBlocks = (text: string) => text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g) ?? [];

/** Every certificate and key of a tree, kubeconfig-embedded ones included. */
function treeMaterial(dir: string): { certificates: string[]; keys: string[] } {
  const certificates: string[] = [];
  const keys: string[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.crt')) certificates.push(...pemBlocks(fs.readFileSync(full, 'utf8')));
      else if (entry.name.endsWith('.key')) keys.push(fs.readFileSync(full, 'utf8'));
      else if (entry.name.endsWith('.conf')) {
        const text = fs.readFileSync(full, 'utf8');
        for (const [, data] of text.matchAll(/(?:certificate-authority-data|client-certificate-data): "([^"]+)"/g))
          certificates.push(Buffer.from(data!, 'base64').toString());
        for (const [, data] of text.matchAll(/client-key-data: "([^"]+)"/g))
          keys.push(Buffer.from(data!, 'base64').toString());
      }
    }
  };
  walk(dir);
  return { certificates: [...new Set(certificates)], keys: [...new Set(keys)] };
}

describe('the DER walk agrees with OpenSSL', () => {
  let dir: string;
  let material: { certificates: string[]; keys: string[] };
  let cas: string[];
  beforeAll(async () => {
    dir = (await realizeStack('lab', 'ECDSA-P256')).dir;
    material = treeMaterial(dir);
    cas = material.certificates.filter((pem) => new X509Certificate(pem).ca);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('on every certificate of a generated tree: names, SANs, usages, CA flag, validity, key', () => {
    expect(material.certificates.length).toBeGreaterThan(15);
    for (const pem of material.certificates) expect(byWalk(pem), pem).toEqual(byOpenSsl(pem));
  });

  it('on who issued whom, for every certificate against every CA of the tree', () => {
    let issued = 0;
    for (const pem of material.certificates) {
      for (const ca of cas) {
        const expected = issuedByOpenSsl(pem, ca);
        if (expected) issued++;
        expect(ParsedCertificate.fromPem(pem).isIssuedBy(ParsedCertificate.fromPem(ca))).toBe(expected);
      }
    }
    expect(issued).toBe(material.certificates.length); // each exactly once (CAs by themselves)
  });

  it('in the background as in the foreground', async () => {
    for (const pem of material.certificates.slice(0, 8)) {
      for (const ca of cas) {
        const answer = await ParsedCertificate.fromPem(pem).isIssuedByInBackground(ParsedCertificate.fromPem(ca));
        expect(answer).toBe(issuedByOpenSsl(pem, ca));
      }
    }
  });

  it('on which key belongs to which certificate', () => {
    const certificates = material.certificates.slice(0, 12);
    for (const keyPem of material.keys) {
      const key = KeyPair.fromPem(keyPem);
      const openssl = createPrivateKey(keyPem);
      expect(key.algorithm).toBe(keyAlgorithmOf(openssl));
      for (const pem of certificates) {
        expect(ParsedCertificate.fromPem(pem).matchesKey(key)).toBe(new X509Certificate(pem).checkPrivateKey(openssl));
      }
    }
  });

  it('finds a changed byte in the signed part, in the signature, and a foreign signer', () => {
    const ca = ParsedCertificate.fromPem(cas[0]!);
    const leaf = material.certificates.find((pem) => !new X509Certificate(pem).ca && issuedByOpenSsl(pem, cas[0]!))!;
    const der = ParsedCertificate.fromPem(leaf).der;
    for (const at of [40, der.length - 5]) {
      const damaged = Buffer.from(der);
      damaged[at] ^= 0x01;
      const pem = `-----BEGIN CERTIFICATE-----\n${damaged.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;
      expect(ParsedCertificate.fromPem(pem).isIssuedBy(ca)).toBe(false);
      expect(issuedByOpenSsl(pem, cas[0]!)).toBe(false);
    }
    const other = cas.find((pem) => !issuedByOpenSsl(leaf, pem))!;
    expect(ParsedCertificate.fromPem(leaf).isIssuedBy(ParsedCertificate.fromPem(other))).toBe(false);
  });

  it('leaves a damaged PEM to OpenSSL, which refuses it', () => {
    const pem = material.certificates[0]!;
    const broken = pem.replace(/\n(.{10})/, '\n$1!');
    expect(() => ParsedCertificate.fromPem(broken)).toThrow('is not a valid X.509 certificate');
    const key = material.keys[0]!;
    expect(() => KeyPair.fromPem(key.replace(/\n(.{10})/, '\n$1!'))).toThrow('is not a PEM private key');
  });
});

describe('odd certificates and keys made by openssl', () => {
  let work: string;
  beforeAll(() => {
    work = temporaryDirectory('kubepki-facts-');
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  const cases: [string, string[]][] = [
    ['multi-valued RDN, several O', ['-multivalue-rdn', '-subj', '/O=b+CN=a/O=c/O=d']],
    ['names needing escapes', ['-subj', '/CN=a\\, b "q" <x>/O=x;y']],
    ['UTF-8 names', ['-utf8', '-subj', '/CN=Zoë Ünicode/O=Équipe']],
    [
      'IPv6, email and URI SANs',
      [
        '-subj',
        '/CN=s',
        '-addext',
        'subjectAltName=DNS:a.example,IP:2001:db8::1,IP:::1,IP:10.0.0.1,email:a@b.c,URI:spiffe://x/y',
      ],
    ],
    [
      'a CA whose KeyUsage lacks keyCertSign',
      [
        '-subj',
        '/CN=ca',
        '-addext',
        'basicConstraints=critical,CA:true',
        '-addext',
        'keyUsage=critical,digitalSignature',
      ],
    ],
    [
      'a CA without KeyUsage, with a path length',
      ['-subj', '/CN=ca', '-addext', 'basicConstraints=critical,CA:true,pathlen:2'],
    ],
    [
      'usages of all kinds',
      [
        '-subj',
        '/CN=u',
        '-addext',
        'keyUsage=digitalSignature,keyEncipherment,dataEncipherment,cRLSign',
        '-addext',
        'extendedKeyUsage=serverAuth,clientAuth,codeSigning,1.2.3.4',
      ],
    ],
    ['a validity past 2050 (GeneralizedTime)', ['-subj', '/CN=far', '-days', '12000']],
    [
      'an authority key identifier with issuer and serial',
      ['-subj', '/CN=aki', '-addext', 'authorityKeyIdentifier=keyid,issuer:always'],
    ],
  ];

  it.each(cases)('%s', async (name, args) => {
    const base = path.join(work, name.replace(/\W+/g, '-'));
    await opensslSelfSigned(base, args);
    const pem = fs.readFileSync(`${base}.crt`, 'utf8');
    expect(byWalk(pem)).toEqual(byOpenSsl(pem));
    expect(ParsedCertificate.fromPem(pem).isIssuedBy(ParsedCertificate.fromPem(pem))).toBe(issuedByOpenSsl(pem, pem));
    const key = KeyPair.fromPem(fs.readFileSync(`${base}.key`, 'utf8'));
    expect(ParsedCertificate.fromPem(pem).matchesKey(key)).toBe(true);
  });

  it('reads the key forms kubeadm reads, with and without the public point, and tells keys apart', async () => {
    const base = path.join(work, 'keys');
    await opensslSelfSigned(`${base}-rsa`, ['-subj', '/CN=r'], ['-newkey', 'rsa:2048']);
    await opensslOk(['rsa', '-in', `${base}-rsa.key`, '-traditional', '-out', `${base}-rsa1.key`]);
    await opensslSelfSigned(`${base}-ec`, ['-subj', '/CN=e'], ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384']);
    await opensslOk(['ec', '-in', `${base}-ec.key`, '-out', `${base}-ec1.key`]);
    await opensslOk(['ec', '-in', `${base}-ec.key`, '-no_public', '-out', `${base}-ec-nopub.key`]);
    const read = (f: string) => fs.readFileSync(`${base}-${f}`, 'utf8');
    for (const [key, certificate] of [
      ['rsa.key', 'rsa.crt'],
      ['rsa1.key', 'rsa.crt'],
      ['ec.key', 'ec.crt'],
      ['ec1.key', 'ec.crt'],
      ['ec-nopub.key', 'ec.crt'],
    ] as const) {
      const pair = KeyPair.fromPem(read(key));
      expect(pair.algorithm).toBe(keyAlgorithmOf(createPrivateKey(read(key))));
      expect(ParsedCertificate.fromPem(read(certificate)).matchesKey(pair), key).toBe(true);
      const other = certificate === 'rsa.crt' ? 'ec.crt' : 'rsa.crt';
      expect(ParsedCertificate.fromPem(read(other)).matchesKey(pair), `${key} against ${other}`).toBe(false);
    }
    // The walk reads only what matches; exporting loads the key into OpenSSL on first use.
    expect(KeyPair.fromPem(read('ec1.key')).publicKeyPem()).toBe(
      ParsedCertificate.fromPem(read('ec.crt')).publicKeyPem(),
    );
  });
});

describe('names compared as OpenSSL compares them', () => {
  it('a name equal to the issuer only in canonical form goes to OpenSSL; another name is not the issuer', async () => {
    const work = temporaryDirectory('kubepki-names-');
    try {
      const base = path.join(work, 'ca');
      await opensslRoot(base, '/CN=Kubernetes  CA');
      await opensslKeyAndCsr(`${base}-leaf`, '/CN=leaf');
      await opensslSign({
        csr: `${base}-leaf.csr`,
        out: `${base}-leaf.crt`,
        ca: { crt: `${base}.crt`, key: `${base}.key` },
        days: 1,
        extensions: 'basicConstraints=CA:false\n',
      });
      const read = (f: string) => fs.readFileSync(`${base}${f}`, 'utf8');
      const [leaf, ca] = [read('-leaf.crt'), read('.crt')];
      expect(ParsedCertificate.fromPem(leaf).isIssuedBy(ParsedCertificate.fromPem(ca))).toBe(true);
      expect(issuedByOpenSsl(leaf, ca)).toBe(true);
      // Same canonical name, another key: the name check passes and the signature decides.
      await opensslRoot(`${base}-other`, '/CN=kubernetes ca');
      expect(ParsedCertificate.fromPem(leaf).isIssuedBy(ParsedCertificate.fromPem(read('-other.crt')))).toBe(false);
      expect(issuedByOpenSsl(leaf, read('-other.crt'))).toBe(false);
      // Another name altogether: not the issuer, without asking OpenSSL.
      await opensslSelfSigned(`${base}-stranger`, ['-subj', '/CN=front-proxy-ca']);
      expect(ParsedCertificate.fromPem(leaf).isIssuedBy(ParsedCertificate.fromPem(read('-stranger.crt')))).toBe(false);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});
