import ipaddr from 'ipaddr.js';

/**
 * True for a literal IPv4 or IPv6 address (no brackets, no zone: a zone index cannot go into a certificate SAN).
 * IPv4 must be dotted-quad, as Go's net.ParseIP.
 */
export function isIpAddress(value: string): boolean {
  if (value.includes('%')) return false;
  return ipaddr.IPv4.isValidFourPartDecimal(value) || (value.includes(':') && ipaddr.IPv6.isValid(value));
}

/** Canonical text of an IP address, so `::0001` and `::1` compare equal. */
export function normalizeIpAddress(value: string): string {
  const parsed = ipaddr.parse(value);
  return parsed.toString();
}

/** True for `a.b.c.d/n` or `v6::/n` with a prefix length that fits the family. */
export function isCidr(value: string): boolean {
  const slash = value.indexOf('/');
  if (slash < 0) return false;
  if (!isIpAddress(value.slice(0, slash))) return false;
  try {
    ipaddr.parseCIDR(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * The first usable address of a CIDR, the apiserver's in-cluster `kubernetes` Service IP
 * (10.96.0.0/12 → 10.96.0.1), computed like kubeadm's GetAPIServerVirtualIP.
 */
export function firstAddressOfCidr(cidr: string): string {
  const [address, prefix] = ipaddr.parseCIDR(cidr);
  const bytes = address.toByteArray();
  const bits = bytes.length * 8;
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  const hostBits = BigInt(bits - prefix);
  const network = (value >> hostBits) << hostBits;
  let first = network + 1n;
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    out.unshift(Number(first & 0xffn));
    first >>= 8n;
  }
  return ipaddr.fromByteArray(out).toString();
}

/** Splits a host[:port] endpoint; IPv6 hosts are written in brackets, `[fd00::1]:6443`. */
export function splitHostPort(value: string): { host: string; port?: number } | undefined {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  if (bracketed) {
    return bracketed[2] === undefined ? { host: bracketed[1]! } : { host: bracketed[1]!, port: Number(bracketed[2]) };
  }
  if ((value.match(/:/g) ?? []).length > 1) return { host: value };
  const plain = /^([^:]+)(?::(\d+))?$/.exec(value);
  if (!plain) return undefined;
  return plain[2] === undefined ? { host: plain[1]! } : { host: plain[1]!, port: Number(plain[2]) };
}

/** The host part of an https URL: IPv6 needs brackets. */
export function formatUrlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
