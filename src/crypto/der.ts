// The few DER encodings a certificate needs (X.690). Certificates used to be built with @peculiar/x509, whose asn1js
// object model cost a third of generating a large tree; these are plain byte concatenations.

/** A tag-length-value element. */
export function tlv(tag: number, ...contents: Uint8Array[]): Buffer {
  const body = Buffer.concat(contents);
  const n = body.length;
  let header: number[];
  if (n < 0x80) header = [tag, n];
  else if (n < 0x100) header = [tag, 0x81, n];
  else if (n < 0x10000) header = [tag, 0x82, n >> 8, n & 0xff];
  else header = [tag, 0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.from(header), body]);
}

export const sequence = (...contents: Uint8Array[]) => tlv(0x30, ...contents);
export const set = (...contents: Uint8Array[]) => tlv(0x31, ...contents);
export const octetString = (bytes: Uint8Array) => tlv(0x04, bytes);
export const booleanTrue = Buffer.from([0x01, 0x01, 0xff]);
/** [n] EXPLICIT, constructed. */
export const explicit = (n: number, ...contents: Uint8Array[]) => tlv(0xa0 | n, ...contents);
/** [n] IMPLICIT, primitive. */
export const implicit = (n: number, bytes: Uint8Array) => tlv(0x80 | n, bytes);

/** A non-negative INTEGER from big-endian magnitude bytes (a 0x00 is prefixed when the top bit is set). */
export function unsignedInteger(bytes: Uint8Array): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  return tlv(0x02, trimmed[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

/** A non-negative number as big-endian digits of `base`, at least one. */
function digitsOf(value: number, base: number): number[] {
  const digits: number[] = [];
  let rest = value;
  do {
    digits.unshift(rest % base);
    rest = Math.floor(rest / base);
  } while (rest > 0);
  return digits;
}

/** A small non-negative INTEGER (a pathLenConstraint). */
export const smallInteger = (value: number): Buffer => unsignedInteger(Uint8Array.from(digitsOf(value, 256)));

/**
 * An ECDSA signature as X.509 carries it (SEQUENCE of r and s) from WebCrypto's form (IEEE P1363: r and s
 * concatenated, each the curve's size), which is what a WebCrypto provider such as a PKCS#11 token returns.
 */
export function ecdsaSignatureFromP1363(raw: Uint8Array): Buffer {
  const half = raw.length / 2;
  return sequence(unsignedInteger(raw.subarray(0, half)), unsignedInteger(raw.subarray(half)));
}

/** An OBJECT IDENTIFIER from dotted text. */
export function objectIdentifier(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const bytes: number[] = [arcs[0]! * 40 + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const base128 = digitsOf(arc, 128);
    // Every digit but the last has its top bit set (X.690 8.19.2).
    for (let i = 0; i < base128.length - 1; i++) base128[i]! |= 0x80;
    bytes.push(...base128);
  }
  return tlv(0x06, Uint8Array.from(bytes));
}

/** A BIT STRING of whole bytes (no unused bits). */
export const bitString = (bytes: Uint8Array) => tlv(0x03, Buffer.from([0]), bytes);

/** A named-bit-list BIT STRING (KeyUsage): bit n is `1 << n`; DER drops trailing zero bits. */
export function namedBits(flags: number): Buffer {
  if (flags === 0) return tlv(0x03, Buffer.from([0]));
  const highest = 31 - Math.clz32(flags);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (let bit = 0; bit <= highest; bit++) if (flags & (1 << bit)) bytes[bit >> 3]! |= 0x80 >> (bit & 7);
  return tlv(0x03, Buffer.from([7 - (highest & 7)]), bytes);
}

// PrintableString's alphabet (X.680); anything else is a UTF8String, as Go's crypto/x509 and @peculiar/x509 do.
const printable = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/** A DirectoryString value. */
export const directoryString = (text: string) => tlv(printable.test(text) ? 0x13 : 0x0c, Buffer.from(text, 'utf8'));

/** UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5), whole seconds, UTC. */
export function time(date: Date): Buffer {
  const iso = date.toISOString(); // 2026-11-30T21:53:27.123Z
  const digits = iso.slice(0, 19).replace(/[-T:]/g, ''); // 20261130215327
  const year = date.getUTCFullYear();
  return year < 2050
    ? tlv(0x17, Buffer.from(`${digits.slice(2)}Z`, 'ascii'))
    : tlv(0x18, Buffer.from(`${digits}Z`, 'ascii'));
}
