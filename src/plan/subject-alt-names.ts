import { firstAddressOfCidr, isIpAddress, normalizeIpAddress, splitHostPort } from '../spec';
import type { ClusterSpec, ControlPlaneNodeSpec } from '../spec';
import type { SubjectAltNamesPlan } from './pki-plan';

/** Sorts DNS names and keeps IPs in order, both deduplicated (IPs by canonical form), as kubeadm writes SANs. */
export function buildSans(dnsNames: string[], ipAddresses: string[]): SubjectAltNamesPlan {
  const ips: string[] = [];
  const seen = new Set<string>();
  for (const ip of ipAddresses) {
    const canonical = normalizeIpAddress(ip);
    if (!seen.has(canonical)) {
      seen.add(canonical);
      ips.push(canonical);
    }
  }
  return { dnsNames: [...new Set(dnsNames)].sort(), ipAddresses: ips };
}

/** Splits extra SAN entries the kubeadm way: a valid IP becomes an IP SAN, anything else (already validated) DNS. */
function splitExtraSans(entries: string[]): { dns: string[]; ips: string[] } {
  return { dns: entries.filter((e) => !isIpAddress(e)), ips: entries.filter(isIpAddress) };
}

/** Rule A of the reference: kube-apiserver's serving certificate SANs for one control-plane node. */
export function apiserverSans(spec: ClusterSpec, node: ControlPlaneNodeSpec): SubjectAltNamesPlan {
  const dnsDomain = spec.spec.networking.dnsDomain;
  const dns = [
    node.name,
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    `kubernetes.default.svc.${dnsDomain}`,
  ];
  const firstServiceCidr = spec.spec.networking.serviceSubnet.split(',')[0]!;
  const ips = [firstAddressOfCidr(firstServiceCidr), node.advertiseAddress];
  const endpoint = spec.spec.controlPlaneEndpoint ? splitHostPort(spec.spec.controlPlaneEndpoint) : undefined;
  if (endpoint) (isIpAddress(endpoint.host) ? ips : dns).push(endpoint.host);
  const extra = splitExtraSans(spec.spec.apiServer.certSANs);
  return buildSans([...dns, ...extra.dns], [...ips, ...extra.ips]);
}

/** Rule B of the reference: etcd server and peer certificate SANs for one control-plane node. */
export function etcdSans(node: ControlPlaneNodeSpec, extraSans: string[]): SubjectAltNamesPlan {
  const extra = splitExtraSans(extraSans);
  return buildSans([node.name, 'localhost', ...extra.dns], [node.advertiseAddress, '127.0.0.1', '::1', ...extra.ips]);
}
