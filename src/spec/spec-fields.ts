import { z } from 'zod';
import ipaddr from 'ipaddr.js';
import { isIpAddress, isCidr, splitHostPort } from './network-address';
import { isDns1123Label, isDns1123Subdomain, isWildcardDnsName } from './dns-name';
import { parseDurationHours } from './duration';
import { quoteSpecValue } from './spec-error';
import { unsafeCharacterOf } from './safe-text';

// The spec's checked string fields: each says what it accepts and, when it refuses, what the value was and why.

/** A string field with a check; `code` becomes the SpecIssue code (`invalid_ip`, `invalid_name`, ...). */
export function checked(code: string, test: (value: string) => boolean, describe: (value: string) => string) {
  return z.string().superRefine((value, ctx) => {
    if (!test(value)) ctx.addIssue({ code: 'custom', message: describe(value), params: { code } });
  });
}

/** Ranges no node can be reached at: the unspecified address listens everywhere, the others reach many hosts. */
const unusableRanges = new Set(['unspecified', 'broadcast', 'multicast']);

/** A node's address: one host, reachable (not 0.0.0.0, ::, 255.255.255.255 or multicast). */
export const nodeAddress = z.string().superRefine((value, ctx) => {
  if (!isIpAddress(value)) {
    ctx.addIssue({
      code: 'custom',
      message: `${quoteSpecValue(value)} is not an IPv4 or IPv6 address`,
      params: { code: 'invalid_ip' },
    });
    return;
  }
  const range = ipaddr.parse(value).range();
  if (unusableRanges.has(range)) {
    ctx.addIssue({
      code: 'custom',
      message: `${quoteSpecValue(value)} is a ${range} address, not one host's: give the address this node is reached at`,
      params: { code: 'unusable_address' },
    });
  }
});

export const nodeName = checked(
  'invalid_name',
  isDns1123Label,
  (v) =>
    `${quoteSpecValue(v)} is not a DNS-1123 label: use lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters`,
);

export const cidrList = checked(
  'invalid_cidr',
  (v) => {
    const parts = v.split(',');
    return parts.length <= 2 && parts.every(isCidr);
  },
  (v) =>
    `${quoteSpecValue(v)} is not a CIDR or a dual-stack pair "a,b" of CIDRs (e.g. 10.96.0.0/12 or 10.96.0.0/12,fd00:10:96::/112)`,
);

/** 100 years: far past any sane certificate, and well before X.509's year-9999 limit. */
export const maxValidityHours = 876_000;

export const validityPeriod = checked(
  'invalid_duration',
  (v) => {
    const hours = parseDurationHours(v) ?? 0;
    return hours >= 1 && hours <= maxValidityHours;
  },
  (v) =>
    (parseDurationHours(v) ?? 0) > maxValidityHours
      ? `${quoteSpecValue(v)} is longer than 100 years (${maxValidityHours}h): choose a shorter validity`
      : `${quoteSpecValue(v)} is not a Go duration of whole hours (e.g. 8760h); validity is kept in hours because @pulumi/tls takes validity_period_hours`,
);

export const certSan = checked(
  'invalid_san',
  (v) => isIpAddress(v) || isDns1123Subdomain(v) || isWildcardDnsName(v),
  (v) => `${quoteSpecValue(v)} is neither an IP address, a DNS-1123 name nor a wildcard like *.example.com`,
);

export const endpoint = checked(
  'invalid_endpoint',
  (v) => {
    const hp = splitHostPort(v);
    if (!hp) return false;
    if (hp.port !== undefined && (hp.port < 1 || hp.port > 65535)) return false;
    return isIpAddress(hp.host) || isDns1123Subdomain(hp.host);
  },
  (v) => `${quoteSpecValue(v)} is not host[:port] with a DNS name or IP host (IPv6 in brackets) and a port 1-65535`,
);

const unsafe = (v: string) =>
  unsafeCharacterOf(v) ? `; it holds ${unsafeCharacterOf(v)}, a control, bidirectional or invisible character` : '';

// User and group names become certificate subjects (CN / O, at most 64 characters each) and user names become file
// names (`users/<name>.conf`), so path separators and traversal are refused.
export const userName = checked(
  'invalid_user_name',
  (v) =>
    v.length >= 1 &&
    v.length <= 64 &&
    !/[/\\]/.test(v) &&
    !v.includes('..') &&
    !v.startsWith('.') &&
    !unsafeCharacterOf(v),
  (v) =>
    `${quoteSpecValue(v)} is not a usable user name: 1-64 characters, no '/', '\\', '..', leading '.', control, bidirectional or invisible characters (it becomes the certificate CN and the file users/<name>.conf)${unsafe(v)}`,
);

export const groupName = checked(
  'invalid_group_name',
  (v) => v.length >= 1 && v.length <= 64 && !unsafeCharacterOf(v),
  (v) =>
    `${quoteSpecValue(v)} is not a usable group name: 1-64 characters without control, bidirectional or invisible characters (it becomes a certificate O)${unsafe(v)}`,
);

// Kubernetes validates Role and ClusterRole names as path segments (ValidatePathSegmentName): never "." or "..",
// no '/' or '%'. kubepki also writes them into file names and review reports.
export const roleName = checked(
  'invalid_role_name',
  (v) => v.length >= 1 && v.length <= 253 && v !== '.' && v !== '..' && !/[/%\\]/.test(v) && !unsafeCharacterOf(v),
  (v) =>
    `${quoteSpecValue(v)} is not a valid Role name: Kubernetes refuses ".", "..", '/' and '%' in it; use e.g. "deployer" or "ci:deploy"${unsafe(v)}`,
);

// The kubeconfig cluster (and context) name: printed in plans, reviews and kubectl's output.
export const clusterName = checked(
  'invalid_cluster_name',
  (v) => /^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/.test(v),
  (v) =>
    `${quoteSpecValue(v)} is not a usable cluster name: 1-63 letters, digits, '.', '_' or '-', starting and ending with a letter or digit (e.g. "kubernetes" or "prod-eu")${unsafe(v)}`,
);

/** Subjects, roles and actions named in bindings and expectations: free text for Kubernetes, but never unsafe. */
export const referenceText = checked(
  'invalid_character',
  (v) => v.length >= 1 && !unsafeCharacterOf(v),
  (v) =>
    v.length === 0
      ? 'is empty'
      : `${quoteSpecValue(v)} holds ${unsafeCharacterOf(v)}, a control, bidirectional or invisible character: remove it`,
);

export const namespaceName = nodeName;

export const kubernetesVersion = checked(
  'invalid_version',
  (v) => /^v?1\.\d+(\.\d+)?$/.test(v),
  (v) => `${quoteSpecValue(v)} is not a Kubernetes version like v1.33.0`,
);

export const port = z.number().int().min(1).max(65535);

export const absolutePath = checked(
  'invalid_path',
  (v) => v.startsWith('/') && !v.includes('\0'),
  (v) => `${quoteSpecValue(v)} is not an absolute path on the node`,
);
