import { isIP } from 'node:net';

/** The host a client dials for a URL (`https://10.0.0.11:6443` → `10.0.0.11`), brackets of IPv6 removed. */
export function hostOfUrl(url: string): string | undefined {
  try {
    const host = new URL(url).hostname;
    return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  } catch {
    return undefined;
  }
}

function canonicalIp(ip: string): string {
  if (isIP(ip) === 6) return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  return ip;
}

/**
 * Whether a certificate with these SANs is valid for `host`, as Go's and OpenSSL's hostname checks decide: an IP is
 * matched only against IP SANs, a name against DNS SANs case-insensitively, with `*` standing for exactly one
 * leftmost label. The CN is never consulted (Go ignores it since 1.15).
 */
export function sansCoverHost(sans: { dnsNames: string[]; ipAddresses: string[] }, host: string): boolean {
  if (isIP(host)) {
    const wanted = canonicalIp(host);
    return sans.ipAddresses.some((ip) => isIP(ip) !== 0 && canonicalIp(ip) === wanted);
  }
  const name = host.toLowerCase().replace(/\.$/, '');
  return sans.dnsNames.some((san) => {
    const pattern = san.toLowerCase();
    if (!pattern.startsWith('*.')) return pattern === name;
    const dot = name.indexOf('.');
    return dot > 0 && name.slice(dot) === pattern.slice(1);
  });
}
