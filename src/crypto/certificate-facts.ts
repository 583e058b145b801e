import ipaddr from 'ipaddr.js';
import {
  children,
  contentsOf,
  encodingOf,
  exactChildren,
  objectIdentifierOf,
  plainStringOf,
  readElement,
  timeOf,
  type Element,
} from './der-reader';
import { publicKeyHalfOfSpki, type PublicKeyHalf } from './public-key-half';

/**
 * Everything kubepki reads of a certificate, from one walk of its DER. Undefined from `readCertificateFacts` whenever
 * the certificate holds anything this reader does not take exactly as OpenSSL would (another string type, an odd
 * SAN, an authority key identifier naming an issuer and serial…): the caller then asks OpenSSL.
 */
export interface CertificateFacts {
  /** The signed part, the signature algorithm (TBS and outer agreeing), and the signature's bytes. */
  tbs: Buffer;
  signatureAlgorithm: string;
  signature: Buffer;
  issuerName: Buffer;
  subjectName: Buffer;
  notBefore: Date;
  notAfter: Date;
  spki: Buffer;
  publicKey: PublicKeyHalf | undefined;
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  extendedKeyUsageOids: string[];
  /** basicConstraints cA, false when absent. */
  basicConstraintsCa: boolean;
  pathLength: number | undefined;
  /** KeyUsage flags (bit n of the BIT STRING is 1 << n), undefined when the extension is absent. */
  keyUsageBits: number | undefined;
  subjectKeyIdentifier: Buffer | undefined;
  authorityKeyIdentifier: Buffer | undefined;
  nameConstraints: { critical: boolean; value: Buffer } | undefined;
}

const COMMON_NAME = '2.5.4.3';
const ORGANIZATION = '2.5.4.10';
const SUBJECT_KEY_IDENTIFIER = '2.5.29.14';
const KEY_USAGE = '2.5.29.15';
const SUBJECT_ALT_NAME = '2.5.29.17';
const BASIC_CONSTRAINTS = '2.5.29.19';
const NAME_CONSTRAINTS = '2.5.29.30';
const AUTHORITY_KEY_IDENTIFIER = '2.5.29.35';
const EXTENDED_KEY_USAGE = '2.5.29.37';

/** The CN and O values of a Name, in order; undefined when one is not a plain string. */
function namesOf(der: Uint8Array, name: Element): { cn: string[]; o: string[] } | undefined {
  const found = { cn: [] as string[], o: [] as string[] };
  for (const rdn of exactChildren(der, name) ?? []) {
    for (const attribute of exactChildren(der, rdn) ?? []) {
      const [type, value] = children(der, attribute);
      const oid = objectIdentifierOf(der, type);
      if (oid !== COMMON_NAME && oid !== ORGANIZATION) continue;
      const text = value && plainStringOf(der, value);
      if (text === undefined) return undefined;
      (oid === COMMON_NAME ? found.cn : found.o).push(text);
    }
  }
  return found;
}

/**
 * A Name as OpenSSL's X509_NAME_cmp compares it (x509_name_canon): each value's ASCII letters lower-cased and its
 * ASCII white space collapsed and trimmed, RDN by RDN. Undefined when a value is not a plain string, for OpenSSL to
 * compare. Two names with different keys are different names for OpenSSL too.
 */
export function canonicalNameOf(nameDer: Buffer): string | undefined {
  const name = readElement(nameDer, 0, nameDer.length);
  if (!name || name.tag !== 0x30) return undefined;
  const rdns: string[] = [];
  for (const rdn of exactChildren(nameDer, name) ?? [undefined]) {
    if (!rdn) return undefined;
    const values: string[] = [];
    for (const attribute of exactChildren(nameDer, rdn) ?? [undefined]) {
      const [type, value] = attribute ? children(nameDer, attribute) : [];
      const text = value && plainStringOf(nameDer, value);
      const oid = objectIdentifierOf(nameDer, type);
      if (text === undefined || oid === undefined) return undefined;
      values.push(
        `${oid}=${text
          .replace(/[\t\n\v\f\r ]+/g, ' ')
          .trim()
          .replace(/[A-Z]/g, (c) => c.toLowerCase())}`,
      );
    }
    rdns.push(values.sort().join('\u0000')); // a SET: OpenSSL re-encodes it in DER order
  }
  return rdns.join('\u0001');
}

/** A KeyUsage BIT STRING as flags (bit n, counted from the first bit, is `1 << n`); undefined when it is not one. */
export function keyUsageBits(der: Uint8Array, bits: Element): number | undefined {
  if (bits.tag !== 0x03 || bits.end - bits.start < 1) return undefined;
  let flags = 0;
  // The first content byte counts unused bits; then the first byte's most significant bit is bit 0.
  for (let i = bits.start + 1; i < bits.end; i++) {
    const byte = der[i]!;
    for (let b = 0; b < 8; b++) if (byte & (0x80 >> b)) flags |= 1 << ((i - bits.start - 1) * 8 + b);
  }
  return flags;
}

function subjectAltNames(der: Uint8Array, list: Element, facts: CertificateFacts): boolean {
  if (list.tag !== 0x30) return false;
  for (const name of exactChildren(der, list) ?? []) {
    if (name.tag === 0x82) {
      const text = plainStringOf(der, { ...name, tag: 0x16 });
      if (text === undefined || /[,"\\]/.test(text)) return false;
      facts.dnsNames.push(text);
    } else if (name.tag === 0x87) {
      const bytes = der.subarray(name.start, name.end);
      if (bytes.length !== 4 && bytes.length !== 16) return false;
      facts.ipAddresses.push(ipaddr.fromByteArray([...bytes]).toString());
    } else if (name.tag !== 0x81 && name.tag !== 0x86) {
      // otherName, directoryName, registeredID…: what OpenSSL prints of them is its own affair.
      return false;
    }
  }
  return true;
}

/** Reads one extension into the facts; false when it is one kubepki reads but cannot take as OpenSSL would. */
function readExtension(der: Uint8Array, oid: string | undefined, value: Element, facts: CertificateFacts): boolean {
  const inner = readElement(der, value.start, value.end);
  if (!inner || inner.end !== value.end) return false;
  switch (oid) {
    case SUBJECT_ALT_NAME:
      return subjectAltNames(der, inner, facts);
    case EXTENDED_KEY_USAGE: {
      for (const id of exactChildren(der, inner) ?? []) {
        const dotted = objectIdentifierOf(der, id);
        if (dotted === undefined) return false;
        facts.extendedKeyUsageOids.push(dotted);
      }
      return inner.tag === 0x30;
    }
    case BASIC_CONSTRAINTS: {
      const fields = inner.tag === 0x30 ? exactChildren(der, inner) : undefined;
      if (!fields) return false;
      const flag = fields.find((f) => f.tag === 0x01);
      const length = fields.find((f) => f.tag === 0x02);
      facts.basicConstraintsCa = flag !== undefined && der[flag.start] !== 0;
      if (length) {
        if (length.end - length.start > 4) return false;
        let n = 0;
        for (let i = length.start; i < length.end; i++) n = n * 256 + der[i]!;
        facts.pathLength = n;
      }
      return true;
    }
    case KEY_USAGE:
      facts.keyUsageBits = keyUsageBits(der, inner);
      return facts.keyUsageBits !== undefined;
    case SUBJECT_KEY_IDENTIFIER:
      if (inner.tag !== 0x04 || inner.end === inner.start) return false;
      facts.subjectKeyIdentifier = contentsOf(der, inner);
      return true;
    case AUTHORITY_KEY_IDENTIFIER: {
      // Only [0] keyIdentifier: an issuer name and serial ([1], [2]) is checked by OpenSSL's X509_check_akid.
      const fields = inner.tag === 0x30 ? exactChildren(der, inner) : undefined;
      if (!fields || fields.some((f) => f.tag !== 0x80)) return false;
      if (fields[0]) facts.authorityKeyIdentifier = contentsOf(der, fields[0]);
      return true;
    }
    default:
      return true;
  }
}

/** The facts of a DER certificate, or undefined when OpenSSL must read it (see CertificateFacts). */
export function readCertificateFacts(der: Buffer): CertificateFacts | undefined {
  const certificate = readElement(der, 0, der.length);
  if (!certificate || certificate.tag !== 0x30 || certificate.end !== der.length) return undefined;
  const [tbs, outerAlgorithm, signature, extra] = children(der, certificate);
  if (!tbs || !outerAlgorithm || !signature || extra || signature.end !== certificate.end) return undefined;
  if (tbs.tag !== 0x30 || outerAlgorithm.tag !== 0x30 || signature.tag !== 0x03 || der[signature.start] !== 0)
    return undefined;
  const fields = exactChildren(der, tbs);
  if (!fields) return undefined;
  // TBSCertificate: [0] version, serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, …, [3] extensions
  const at = fields[0]?.tag === 0xa0 ? 1 : 0;
  const [serial, innerAlgorithm, issuer, validity, subject, spki] = fields.slice(at, at + 6);
  if (!serial || !innerAlgorithm || !issuer || !validity || !subject || !spki) return undefined;
  if (serial.tag !== 0x02 || issuer.tag !== 0x30 || subject.tag !== 0x30 || spki.tag !== 0x30) return undefined;
  // RFC 5280 4.1.1.2: the outer algorithm must equal the signed one; OpenSSL refuses the signature otherwise.
  if (!encodingOf(der, innerAlgorithm).equals(encodingOf(der, outerAlgorithm))) return undefined;
  const signatureAlgorithm = objectIdentifierOf(der, children(der, innerAlgorithm)[0]);
  const [from, to] = validity.tag === 0x30 ? (exactChildren(der, validity) ?? []) : [];
  const notBefore = timeOf(der, from);
  const notAfter = timeOf(der, to);
  const names = namesOf(der, subject);
  if (!signatureAlgorithm || !notBefore || !notAfter || !names) return undefined;
  const facts: CertificateFacts = {
    tbs: encodingOf(der, tbs),
    signatureAlgorithm,
    signature: contentsOf(der, signature).subarray(1),
    issuerName: encodingOf(der, issuer),
    subjectName: encodingOf(der, subject),
    notBefore,
    notAfter,
    spki: encodingOf(der, spki),
    publicKey: publicKeyHalfOfSpki(der, spki.offset, spki.end),
    commonName: names.cn[0] ?? '',
    organizations: names.o,
    dnsNames: [],
    ipAddresses: [],
    extendedKeyUsageOids: [],
    basicConstraintsCa: false,
    pathLength: undefined,
    keyUsageBits: undefined,
    subjectKeyIdentifier: undefined,
    authorityKeyIdentifier: undefined,
    nameConstraints: undefined,
  };
  const wrapper = fields.find((f) => f.tag === 0xa3);
  const list = wrapper && readElement(der, wrapper.start, wrapper.end);
  const seen = new Set<string>();
  for (const extension of list ? (exactChildren(der, list) ?? [undefined]) : []) {
    const parts = extension && exactChildren(der, extension);
    const [id, second, third] = parts ?? [];
    const value = third ?? second;
    const oid = objectIdentifierOf(der, id);
    // A repeated extension makes OpenSSL treat the certificate as invalid.
    if (!oid || !value || value.tag !== 0x04 || seen.has(oid)) return undefined;
    seen.add(oid);
    if (oid === NAME_CONSTRAINTS)
      facts.nameConstraints = {
        critical: third !== undefined && second!.tag === 0x01 && der[second!.start] !== 0,
        value: contentsOf(der, value),
      };
    else if (!readExtension(der, oid, value, facts)) return undefined;
  }
  return facts;
}
