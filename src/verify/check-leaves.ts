import { nodeUserPrefix } from '../vocabulary';
import type { ParsedCertificate } from '../crypto';
import type { Finding } from './finding';
import {
  apiserverInClusterNames,
  caRule,
  kubeadmCas,
  kubeadmLeaves,
  type KubeadmLeafRule,
} from './kubeadm-pki-catalog';
import type { NodeMaterial } from './node-material';
import type { VerifyContext } from './verify-context';
import { trustedCas } from './check-cas';
import { checkIssuer, checkKeyMatch, checkLeafUsages, checkValidity } from './check-certificate-basics';
import { sansCoverHost } from './san-covers-host';

/** Who refuses a leaf that does not chain to its CA: the peers that trust that CA for it. */
const rejectedBy: Record<string, string> = {
  apiserver: 'kubectl, kubelets and every kubeconfig client (certificate-authority-data = ca.crt)',
  'apiserver-kubelet-client': 'kubelets (authentication.x509.clientCAFile = ca.crt)',
  'front-proxy-client': "aggregated API servers and kube-apiserver's --requestheader-client-ca-file",
  'apiserver-etcd-client': 'etcd (--trusted-ca-file)',
  'etcd/healthcheck-client': 'etcd (--trusted-ca-file)',
  'etcd/server': 'kube-apiserver (--etcd-cafile) and etcdctl',
  'etcd/peer': 'the other etcd members (--peer-trusted-ca-file)',
};

/**
 * The node's name: the node directory's name in a generated tree; for a lone /etc/kubernetes, kubelet.conf's
 * `system:node:<name>`. A kubelet.conf from another node is its own finding and must not make the node's untouched
 * etcd certificates look foreign.
 */
export function nodeNameOf(material: NodeMaterial): string | undefined {
  if (material.directory.name) return material.directory.name;
  const cn = material.kubeconfigs.get('kubelet.conf')?.clientCertificate?.commonName;
  return cn?.startsWith(nodeUserPrefix) ? cn.slice(nodeUserPrefix.length) : undefined;
}

const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

function subjectFindings(
  rule: KubeadmLeafRule,
  certificate: ParsedCertificate,
  file: string,
  nodeName: string | undefined,
): Finding[] {
  const findings: Finding[] = [];
  if (rule.commonName === 'node-name') {
    // Another node's member certificate carries that node's name and advertise address: peers dialing this member
    // fail hostname verification, and etcd logs and alarms name the wrong member.
    if (nodeName && certificate.commonName !== nodeName) {
      findings.push({
        id: 'subject.common-name',
        file,
        severity: 'error',
        message: `${file} has CN "${certificate.commonName}" on node "${nodeName}": kubeadm names etcd member certificates after their node, so this is another member's certificate (its SANs name that member's addresses); reissue it for ${nodeName}`,
      });
    }
  } else if (certificate.commonName !== rule.commonName) {
    findings.push({
      id: 'subject.common-name',
      file,
      severity: rule.commonNameMatters ? 'error' : 'warning',
      message: `${file} has CN "${certificate.commonName}", kubeadm's is "${rule.commonName}"${rule.commonNameMatters ? ": kube-apiserver's --requestheader-allowed-names rejects any other" : ''}`,
    });
  }
  if (!rule.organizations.some((o) => sameList(o, certificate.organizations))) {
    const expected = rule.organizations.map((o) => (o.length ? o.join('+') : 'none')).join(' or ');
    const why =
      rule.baseName === 'apiserver-kubelet-client'
        ? ': kubelets authorize kube-apiserver (logs, exec, port-forward) by this identity'
        : '';
    findings.push({
      id: 'subject.organization',
      file,
      severity: 'warning',
      message: `${file} has O [${certificate.organizations.join(', ')}], kubeadm writes ${expected}${why}`,
    });
  }
  return findings;
}

function sanFindings(
  rule: KubeadmLeafRule,
  certificate: ParsedCertificate,
  file: string,
  material: NodeMaterial,
  nodeName: string | undefined,
): Finding[] {
  const findings: Finding[] = [];
  const missing = (name: string, severity: Finding['severity'], why: string) =>
    findings.push({ id: 'san.missing', file, severity, message: `${file} lacks the SAN ${name}: ${why}` });
  if (rule.sans === 'apiserver') {
    for (const name of apiserverInClusterNames) {
      if (!sansCoverHost(certificate, name))
        missing(
          name,
          'error',
          'pods reaching kube-apiserver through the kubernetes Service fail hostname verification',
        );
    }
    if (!certificate.dnsNames.some((n) => n.startsWith('kubernetes.default.svc.'))) {
      missing(
        'kubernetes.default.svc.<dnsDomain>',
        'warning',
        'clients using the fully qualified Service name fail hostname verification',
      );
    }
    if (nodeName && !sansCoverHost(certificate, nodeName))
      missing(nodeName, 'warning', 'kubeadm always includes the node name');
  }
  if (rule.sans === 'etcd') {
    const peer = rule.baseName === 'etcd/peer';
    for (const name of ['localhost', '127.0.0.1']) {
      if (!sansCoverHost(certificate, name))
        missing(
          name,
          peer ? 'warning' : 'error',
          peer
            ? "kubeadm's rule B includes it"
            : 'kube-apiserver dials etcd at https://127.0.0.1:2379 on a stacked control plane',
        );
    }
    if (!sansCoverHost(certificate, '::1')) missing('::1', 'warning', "kubeadm's rule B includes it");
    if (!sansCoverHost(certificate, certificate.commonName))
      missing(certificate.commonName, 'warning', 'kubeadm puts the member name (the CN) in the DNS SANs');
    if (peer) {
      // Members dial each other at the advertise address, which the server certificate carries as its other IP.
      const server = material.certificates.get('pki/etcd/server.crt');
      for (const ip of server?.ipAddresses ?? []) {
        if (!['127.0.0.1', '::1', '0:0:0:0:0:0:0:1'].includes(ip) && !sansCoverHost(certificate, ip)) {
          missing(
            ip,
            'error',
            'other etcd members dial this member at its advertise address (it is in etcd/server.crt) and fail hostname verification',
          );
        }
      }
    }
  }
  return findings;
}

/** kubeadm's rules for each leaf in pki/: issuer, key match, CN/O, usages, SANs, validity. */
export function checkLeaves(material: NodeMaterial, context: VerifyContext): Finding[] {
  const findings: Finding[] = [];
  const prefix = material.directory.prefix;
  const cas = trustedCas(material, context);
  const allCas = [...cas.values()];
  const nodeName = nodeNameOf(material);
  // The kubelet serving certificate is kubepki's addition, judged by checkKubeletServing.
  const known = new Set([
    ...kubeadmLeaves.map((l) => `${l.base}.crt`),
    ...kubeadmCas.map((c) => `${c.base}.crt`),
    'pki/kubelet-serving.crt',
  ]);
  for (const rule of kubeadmLeaves) {
    const certificate = material.certificates.get(`${rule.base}.crt`);
    if (!certificate) continue;
    const file = `${prefix}${rule.base}.crt`;
    findings.push(
      ...checkIssuer(
        certificate,
        file,
        cas.get(rule.issuer),
        allCas,
        rejectedBy[rule.baseName]!,
        `${rule.issuer} (${caRule(rule.issuer).base}.crt)`,
      ),
    );
    findings.push(
      ...checkKeyMatch(certificate, file, material.keys.get(`${rule.base}.key`), `${prefix}${rule.base}.key`),
    );
    findings.push(...checkLeafUsages(certificate, file, rule.extendedKeyUsages));
    findings.push(...subjectFindings(rule, certificate, file, nodeName));
    findings.push(...sanFindings(rule, certificate, file, material, nodeName));
    findings.push(...checkValidity(certificate, file, context));
  }
  for (const [rel, certificate] of material.certificates) {
    // An outside CA's certificate for a kubeconfig, returned beside it: judged embedded, by checkKubeconfigs.
    if (known.has(rel) || (rel.endsWith('.conf.crt') && material.kubeconfigs.has(rel.slice(0, -'.crt'.length))))
      continue;
    const file = `${prefix}${rel}`;
    const issuer = allCas.find((ca) => certificate.isIssuedBy(ca.certificate));
    findings.push({
      id: 'file.unknown',
      file,
      severity: 'info',
      message: `${file} is not a certificate kubeadm writes; ${issuer ? `it chains to ${issuer.file}` : 'it chains to none of the kubeadm CAs'}; only its validity is checked`,
    });
    findings.push(...checkValidity(certificate, file, context));
  }
  return findings;
}
