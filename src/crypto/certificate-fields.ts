// Single fields of a DER certificate: what issuing copies from its CA (subject name, key identifier) and what
// ParsedCertificate reads beside Node's X509Certificate for a certificate the full walk (certificate-facts.ts)
// declines — Node exposes neither the KeyUsage bits nor the key identifiers. Anything unexpected in the structure
// reads as a missing extension.

import { children, readElement, type Element } from './der-reader';
import { keyUsageBits } from './certificate-facts';

const KEY_USAGE_OID = Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x0f]);
const SUBJECT_KEY_IDENTIFIER_OID = Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x0e]);
const BASIC_CONSTRAINTS_OID = Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x13]);

const tbsFields = (der: Uint8Array): Element[] => {
  const certificate = readElement(der, 0, der.length);
  const tbs = certificate && children(der, certificate)[0];
  return tbs ? children(der, tbs) : [];
};

/** The subject Name of a DER certificate, encoded as it is there: what a certificate it issues names as its issuer. */
export function subjectNameDerOf(der: Uint8Array): Buffer {
  // TBSCertificate: [0] version, serialNumber, signature, issuer, validity, subject, …
  const fields = tbsFields(der);
  const subject = fields[fields[0]?.tag === 0xa0 ? 5 : 4];
  if (!subject || subject.tag !== 0x30) throw new Error('is not a valid X.509 certificate');
  return Buffer.from(der.subarray(subject.offset, subject.end));
}

/** The subjectPublicKey BIT STRING's bytes of a DER SubjectPublicKeyInfo: what a key identifier hashes (RFC 5280). */
export function subjectPublicKeyBytesOf(spki: Uint8Array): Buffer {
  const outer = readElement(spki, 0, spki.length);
  const bits = outer && children(spki, outer)[1];
  if (!bits || bits.tag !== 0x03) throw new Error('is not a SubjectPublicKeyInfo');
  return Buffer.from(spki.subarray(bits.start + 1, bits.end));
}

/** The extnValue contents of the extension `oid` (its encoded OBJECT IDENTIFIER) in a DER certificate. */
function extensionValueOf(der: Uint8Array, oid: Buffer): Element | undefined {
  // extensions is the [3] EXPLICIT field, the last of TBSCertificate.
  const wrapper = tbsFields(der).find((e) => e.tag === 0xa3);
  const list = wrapper && children(der, wrapper)[0];
  if (!list) return undefined;
  for (const extension of children(der, list)) {
    const [id, ...rest] = children(der, extension);
    if (!id || !Buffer.from(der.subarray(id.offset, id.end)).equals(oid)) continue;
    const value = rest.find((e) => e.tag === 0x04);
    return value && readElement(der, value.start, value.end);
  }
  return undefined;
}

/**
 * The subjectKeyIdentifier of a DER certificate, or undefined. A certificate it issues names it as its
 * authorityKeyIdentifier, as Go's x509 does: a CA made elsewhere may not derive it from its key the way kubepki does.
 */
export function subjectKeyIdentifierOf(der: Uint8Array): Buffer | undefined {
  const value = extensionValueOf(der, SUBJECT_KEY_IDENTIFIER_OID);
  return value && value.tag === 0x04 && value.end > value.start
    ? Buffer.from(der.subarray(value.start, value.end))
    : undefined;
}

/** The basicConstraints pathLenConstraint of a DER certificate, or undefined when absent (unlimited). */
export function pathLengthOf(der: Uint8Array): number | undefined {
  const value = extensionValueOf(der, BASIC_CONSTRAINTS_OID);
  // BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL }
  const length = value && value.tag === 0x30 ? children(der, value).find((e) => e.tag === 0x02) : undefined;
  if (!length || length.end - length.start > 4) return undefined;
  let n = 0;
  for (let i = length.start; i < length.end; i++) n = n * 256 + der[i]!;
  return n;
}

/**
 * The KeyUsage extension of a DER certificate as flags in @peculiar/x509's numbering (bit n of the BIT STRING, counted
 * from its first bit, is `1 << n`: digitalSignature 1, keyEncipherment 4, keyCertSign 32), or 0 when absent.
 */
export function keyUsageBitsOf(der: Uint8Array): number {
  const bits = extensionValueOf(der, KEY_USAGE_OID);
  return (bits && keyUsageBits(der, bits)) ?? 0;
}

const NAME_CONSTRAINTS_OID = Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x1e]);

/** The nameConstraints extension of a DER certificate (its DER value and criticality), or undefined when absent. */
export function nameConstraintsOf(der: Uint8Array): { critical: boolean; value: Buffer } | undefined {
  const wrapper = tbsFields(der).find((e) => e.tag === 0xa3);
  const list = wrapper && children(der, wrapper)[0];
  if (!list) return undefined;
  for (const extension of children(der, list)) {
    const [id, ...rest] = children(der, extension);
    if (!id || !Buffer.from(der.subarray(id.offset, id.end)).equals(NAME_CONSTRAINTS_OID)) continue;
    const flag = rest.find((e) => e.tag === 0x01);
    const value = rest.find((e) => e.tag === 0x04);
    return (
      value && {
        critical: flag !== undefined && der[flag.start] !== 0,
        value: Buffer.from(der.subarray(value.start, value.end)),
      }
    );
  }
  return undefined;
}
