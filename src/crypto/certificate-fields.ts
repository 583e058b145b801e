// Node's X509Certificate exposes every field kubepki compares except the KeyUsage bits and the subject's encoding.
// Reading them with a full @peculiar/x509 (asn1js) parse cost a third of a no-op run; this walks the DER just far
// enough. Anything unexpected in the structure reads as "no KeyUsage extension", as a missing extension would.

const KEY_USAGE_OID = Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x0f]);

interface Element {
  tag: number;
  /** Offset of the tag. */
  offset: number;
  /** Offset of the contents. */
  start: number;
  /** Offset just past the contents. */
  end: number;
}

function readElement(der: Uint8Array, offset: number, limit: number): Element | undefined {
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

function children(der: Uint8Array, parent: Element): Element[] {
  const list: Element[] = [];
  for (let offset = parent.start; offset < parent.end; ) {
    const child = readElement(der, offset, parent.end);
    if (!child) return list;
    list.push(child);
    offset = child.end;
  }
  return list;
}

const tbsFields = (der: Uint8Array): Element[] => {
  const certificate = readElement(der, 0, der.length);
  const tbs = certificate && children(der, certificate)[0];
  return tbs ? children(der, tbs) : [];
};

/**
 * The KeyUsage extension of a DER certificate as flags in @peculiar/x509's numbering (bit n of the BIT STRING, counted
 * from its first bit, is `1 << n`: digitalSignature 1, keyEncipherment 4, keyCertSign 32), or 0 when absent.
 */
export function keyUsageBitsOf(der: Uint8Array): number {
  // extensions is the [3] EXPLICIT field, the last of TBSCertificate.
  const wrapper = tbsFields(der).find((e) => e.tag === 0xa3);
  const list = wrapper && children(der, wrapper)[0];
  if (!list) return 0;
  for (const extension of children(der, list)) {
    const [oid, ...rest] = children(der, extension);
    if (!oid || !Buffer.from(der.subarray(oid.offset, oid.end)).equals(KEY_USAGE_OID)) continue;
    const value = rest.find((e) => e.tag === 0x04);
    const bits = value && readElement(der, value.start, value.end);
    if (!bits || bits.tag !== 0x03 || bits.end - bits.start < 1) return 0;
    let flags = 0;
    // Skip the leading "unused bits" byte; the first content byte's most significant bit is bit 0.
    for (let i = bits.start + 1; i < bits.end; i++) {
      const byte = der[i]!;
      for (let b = 0; b < 8; b++) if (byte & (0x80 >> b)) flags |= 1 << ((i - bits.start - 1) * 8 + b);
    }
    return flags;
  }
  return 0;
}
