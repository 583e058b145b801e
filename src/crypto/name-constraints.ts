import * as der from './der';

/** id-ce-nameConstraints (RFC 5280 4.2.1.10). */
export const nameConstraintsOid = '2.5.29.30';

/**
 * The NameConstraints value that lets a CA certify no host at all: permitted dNSName `invalid` (RFC 6761 reserves the
 * name, so no real host is under it) and excluded iPAddress 0.0.0.0/0 and ::/0 (every address; a permitted /32 would
 * still allow 0.0.0.0, which reaches the local host on Linux). Certificates without DNS or IP SANs (client
 * certificates such as front-proxy-client) are untouched. Go's crypto/x509 and OpenSSL both enforce these two forms.
 */
export function noHostNamesConstraint(): Buffer {
  const subtree = (generalName: Buffer) => der.sequence(generalName);
  const permitted = der.tlv(0xa0, subtree(der.implicit(2, Buffer.from('invalid', 'ascii'))));
  const excluded = der.tlv(0xa1, subtree(der.implicit(7, Buffer.alloc(8))), subtree(der.implicit(7, Buffer.alloc(32))));
  return der.sequence(permitted, excluded);
}

/** In words, for plans, errors and verify findings. */
export const noHostNamesDescription =
  'critical nameConstraints permitting no DNS name (only "invalid") and no IP address (excluded 0.0.0.0/0, ::/0)';
