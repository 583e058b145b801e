// Reading DER just far enough for what kubepki compares. OpenSSL (Node's X509Certificate, createPrivateKey) parses a
// small certificate or key in 150 µs, most of a no-op run over a large tree; walking the few fields kubepki needs
// costs a few µs. Anything unexpected reads as undefined, and the callers then ask OpenSSL, so an odd but valid
// encoding is never judged by this reader alone.

export interface Element {
  tag: number;
  /** Offset of the tag. */
  offset: number;
  /** Offset of the contents. */
  start: number;
  /** Offset just past the contents. */
  end: number;
}

/** The element at `offset`, or undefined when its header or length runs past `limit` (or is not DER's definite form). */
export function readElement(der: Uint8Array, offset: number, limit: number): Element | undefined {
  if (offset + 2 > limit) return undefined;
  const tag = der[offset]!;
  let length = der[offset + 1]!;
  let start = offset + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (bytes === 0 || bytes > 4 || start + bytes > limit) return undefined;
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + der[start + i]!;
    start += bytes;
  }
  const end = start + length;
  return end > limit ? undefined : { tag, offset, start, end };
}

/** The elements inside a constructed one; stops at the first that does not fit. */
export function children(der: Uint8Array, parent: Element): Element[] {
  const list: Element[] = [];
  for (let offset = parent.start; offset < parent.end;) {
    const child = readElement(der, offset, parent.end);
    if (!child) return list;
    list.push(child);
    offset = child.end;
  }
  return list;
}

/** The elements inside a constructed one, or undefined when they do not fill it exactly (a damaged encoding). */
export function exactChildren(der: Uint8Array, parent: Element): Element[] | undefined {
  const list = children(der, parent);
  return (list.at(-1)?.end ?? parent.start) === parent.end ? list : undefined;
}

/** The whole element's bytes (tag, length and contents). */
export const encodingOf = (der: Uint8Array, e: Element): Buffer => Buffer.from(der.subarray(e.offset, e.end));

/** The contents' bytes. */
export const contentsOf = (der: Uint8Array, e: Element): Buffer => Buffer.from(der.subarray(e.start, e.end));

// A certificate names a dozen identifiers, and a tree names the same few dozen thousands of times.
const dottedByEncoding = new Map<string, string | undefined>();

/** An OBJECT IDENTIFIER's dotted form, or undefined when it is not one. */
export function objectIdentifierOf(der: Uint8Array, e: Element | undefined): string | undefined {
  if (!e || e.tag !== 0x06 || e.end <= e.start) return undefined;
  const encoding = Buffer.from(der.buffer, der.byteOffset + e.start, e.end - e.start).toString('latin1');
  if (dottedByEncoding.has(encoding)) return dottedByEncoding.get(encoding);
  const dotted = dottedOf(der, e);
  if (dottedByEncoding.size < 1024) dottedByEncoding.set(encoding, dotted);
  return dotted;
}

function dottedOf(der: Uint8Array, e: Element): string | undefined {
  const arcs: number[] = [];
  let value = 0;
  for (let i = e.start; i < e.end; i++) {
    const byte = der[i]!;
    value = value * 128 + (byte & 0x7f);
    if (byte & 0x80) continue;
    if (arcs.length === 0) arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
    else arcs.push(value);
    value = 0;
  }
  return der[e.end - 1]! & 0x80 ? undefined : arcs.join('.');
}

/** UTCTime or GeneralizedTime (the forms RFC 5280 allows: seconds, `Z`), or undefined. */
export function timeOf(der: Uint8Array, e: Element | undefined): Date | undefined {
  if (!e) return undefined;
  const text = Buffer.from(der.subarray(e.start, e.end)).toString('latin1');
  const match =
    e.tag === 0x17
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
      : e.tag === 0x18
        ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
        : null;
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  // RFC 5280 4.1.2.5.1: a two-digit year below 50 is 20YY.
  const year = e.tag === 0x17 ? (y < 50 ? 2000 + y : 1900 + y) : y;
  return new Date(Date.UTC(year, mo - 1, d, h, mi, s));
}

/** A character string of a Name or GeneralName (UTF8String, PrintableString, IA5String); others are undefined. */
export function plainStringOf(der: Uint8Array, e: Element): string | undefined {
  if (e.tag === 0x0c) return Buffer.from(der.subarray(e.start, e.end)).toString('utf8');
  if (e.tag === 0x13 || e.tag === 0x16) {
    const text = Buffer.from(der.subarray(e.start, e.end)).toString('latin1');
    return /^[\x20-\x7e]*$/.test(text) ? text : undefined;
  }
  return undefined;
}

/** A DER PEM block's bytes when its base64 is canonical; undefined for anything OpenSSL should judge instead. */
export function pemBodyOf(pem: string, label: string): Buffer | undefined {
  const block = new RegExp(
    `^-----BEGIN ${label}-----\\r?\\n([A-Za-z0-9+/=\\r\\n]+?)\\r?\\n?-----END ${label}-----`,
  ).exec(pem);
  if (!block) return undefined;
  const base64 = block[1]!.replace(/\r?\n/g, '');
  const der = Buffer.from(base64, 'base64');
  // Buffer's decoder skips what it cannot read; re-encoding tells a damaged text from a good one.
  return der.toString('base64') === base64 ? der : undefined;
}
