import { nodeUserPrefix } from '../vocabulary';
import type { Finding } from './finding';
import { kubeadmKubeconfigs } from './kubeadm-pki-catalog';
import type { LoadedKubeconfig, NodeMaterial } from './node-material';
import type { LocatedCertificate, VerifyContext } from './verify-context';
import { nodeCas } from './check-cas';
import { checkIssuer, checkKeyMatch, checkLeafUsages, checkValidity } from './check-certificate-basics';
import { hostOfUrl, sansCoverHost } from './san-covers-host';

const clientCaUsers = 'kube-apiserver (--client-ca-file = ca.crt)';
const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

function subjectFindings(loaded: LoadedKubeconfig, rel: string, nodeName: string): Finding[] {
  const rule = kubeadmKubeconfigs.find((k) => k.file === rel);
  const certificate = loaded.clientCertificate;
  if (!rule || !certificate) return [];
  const file = loaded.file.path;
  const findings: Finding[] = [];
  const severity = rule.subjectMatters ? 'error' : 'warning';
  if (rule.commonName === 'node') {
    if (!certificate.commonName.startsWith(nodeUserPrefix)) {
      findings.push({
        id: 'subject.common-name',
        file,
        severity: 'error',
        message: `${file} has CN "${certificate.commonName}": the Node authorizer only recognises kubelets as system:node:<node name>`,
      });
    } else if (nodeName && certificate.commonName !== `system:node:${nodeName}`) {
      findings.push({
        id: 'subject.common-name',
        file,
        severity: 'warning',
        message: `${file} has CN "${certificate.commonName}" in the directory of node ${nodeName}: this kubelet would act as another node`,
      });
    }
  } else if (certificate.commonName !== rule.commonName) {
    const why = rule.subjectMatters
      ? ': the bootstrap RBAC bindings grant this component its permissions by that name'
      : '';
    findings.push({
      id: 'subject.common-name',
      file,
      severity,
      message: `${file} has CN "${certificate.commonName}", kubeadm's is "${rule.commonName}"${why}`,
    });
  }
  if (!rule.organizations.some((o) => sameList(o, certificate.organizations))) {
    const expected = rule.organizations.map((o) => (o.length ? o.join('+') : 'none')).join(' or ');
    findings.push({
      id: 'subject.organization',
      file,
      severity,
      message: `${file} has O [${certificate.organizations.join(', ')}], kubeadm writes ${expected}`,
    });
  }
  return findings;
}

/**
 * Each kubeconfig: TLS verification on, https server, CA data equal to ca.crt, a client certificate that chains to it
 * and to the cluster CA the kube-apiservers trust, with a matching key and clientAuth, kubeadm's subject for kubeadm's
 * files, validity, and a server the apiserver certificate covers. A node's own apiserver.crt is blamed when it does not cover the servers of the node's
 * kubeconfigs (that is where the SAN is missing); elsewhere the kubeconfig is.
 */
export function checkKubeconfigs(material: NodeMaterial, context: VerifyContext): Finding[] {
  const findings: Finding[] = [];
  const prefix = material.directory.prefix;
  const cas = nodeCas(material);
  const reference: LocatedCertificate | undefined = cas.get('ca') ?? context.clusterCa;
  const ownApiserver = material.certificates.get('pki/apiserver.crt');
  const uncovered = new Map<string, string[]>();
  const nodeName = material.directory.kind === 'node' ? material.directory.name : '';
  for (const [rel, loaded] of material.kubeconfigs) {
    const file = loaded.file.path;
    const { kubeconfig } = loaded;
    if (kubeconfig.insecureSkipTlsVerify) {
      findings.push({
        id: 'kubeconfig.insecure',
        file,
        severity: 'error',
        message: `${file} sets insecure-skip-tls-verify: the client accepts any server, so anyone on the path can impersonate kube-apiserver`,
      });
    }
    const host = hostOfUrl(kubeconfig.server);
    if (!kubeconfig.server.startsWith('https://') || !host) {
      findings.push({
        id: 'kubeconfig.server',
        file,
        severity: 'error',
        message: `${file} has server ${JSON.stringify(kubeconfig.server)}; kube-apiserver serves https://<host>:<port>`,
      });
    }
    if (!loaded.ca && !kubeconfig.insecureSkipTlsVerify) {
      findings.push({
        id: 'kubeconfig.ca-missing',
        file,
        severity: 'error',
        message: `${file} has no certificate-authority-data: the client cannot verify kube-apiserver without the system trust store holding ca.crt`,
      });
    } else if (loaded.ca && reference && !loaded.ca.der.equals(reference.certificate.der)) {
      const same =
        loaded.ca.subject === reference.certificate.subject
          ? " (same name, different certificate: another cluster's CA?)"
          : ` ("${loaded.ca.subject}")`;
      findings.push({
        id: 'kubeconfig.ca-mismatch',
        file,
        severity: 'error',
        message: `${file}'s certificate-authority-data is not ${reference.file}${same}: the client rejects kube-apiserver's certificate, which ${reference.file} signs; re-embed ${reference.file}`,
      });
    }
    const certificate = loaded.clientCertificate;
    // kubeadm's kubelet.conf usually points at the kubelet's rotated certificate instead of embedding one.
    const referenced = /^\s*client-certificate:\s*["']?([^"'\s]+)/m.exec(loaded.file.content.toString('utf8'))?.[1];
    if (!certificate && referenced) {
      findings.push({
        id: 'kubeconfig.external-certificate',
        file,
        severity: 'info',
        message: `${file} uses the client certificate file ${referenced} (outside this directory, e.g. the kubelet's rotated certificate); it is not checked here`,
      });
    } else if (!certificate) {
      const what = kubeconfig.token
        ? 'authenticates with a token; only its CA and server are checked'
        : 'has no client certificate or token: requests are anonymous';
      findings.push({
        id: 'kubeconfig.no-client-certificate',
        file,
        severity: kubeconfig.token ? 'info' : 'warning',
        message: `${file} ${what}`,
      });
    } else {
      const anchor =
        reference ?? (loaded.ca ? { file: `${file} (certificate-authority-data)`, certificate: loaded.ca } : undefined);
      findings.push(
        ...checkIssuer(
          certificate,
          file,
          anchor,
          [...cas.values()],
          clientCaUsers,
          'cluster CA (pki/ca.crt or certificate-authority-data)',
        ),
      );
      // The node's ca.crt may itself be foreign (copied with the kubeconfig from another cluster); what counts is the
      // CA the tree's kube-apiservers trust for clients.
      const clusterCa = context.clusterCa;
      if (
        clusterCa &&
        anchor &&
        !anchor.certificate.der.equals(clusterCa.certificate.der) &&
        !certificate.isIssuedBy(clusterCa.certificate)
      ) {
        findings.push(...checkIssuer(certificate, file, clusterCa, [], "kube-apiserver's --client-ca-file", 'ca'));
      }
      if (!loaded.clientKey) {
        findings.push({
          id: 'kubeconfig.key-missing',
          file,
          severity: 'error',
          message: `${file} embeds a client certificate without client-key-data: the client cannot authenticate`,
        });
      }
      findings.push(...checkKeyMatch(certificate, file, loaded.clientKey, file));
      findings.push(...checkLeafUsages(certificate, file, ['clientAuth']));
      if (material.directory.kind === 'node') findings.push(...subjectFindings(loaded, rel, nodeName));
      findings.push(...checkValidity(certificate, file, context));
    }
    if (!host) continue;
    // Another node's kubelet.conf (its own finding above) dials that node's apiserver: this node's apiserver.crt
    // is not at fault for not covering it.
    const foreignKubelet =
      rel === 'kubelet.conf' &&
      nodeName !== '' &&
      certificate?.commonName.startsWith('system:node:') &&
      certificate.commonName !== `system:node:${nodeName}`;
    if (foreignKubelet) continue;
    if (ownApiserver) {
      if (!sansCoverHost(ownApiserver, host)) uncovered.set(host, [...(uncovered.get(host) ?? []), file]);
    } else if (context.apiservers.length > 0 && !context.apiservers.some((a) => sansCoverHost(a.certificate, host))) {
      findings.push({
        id: 'kubeconfig.server-not-covered',
        file,
        severity: 'error',
        message: `${file} dials ${host}, which no apiserver certificate of the tree covers (${context.apiservers.map((a) => a.file).join(', ')}): the client fails hostname verification`,
      });
    }
  }
  for (const [host, files] of uncovered) {
    const file = `${prefix}pki/apiserver.crt`;
    findings.push({
      id: 'san.missing',
      file,
      severity: 'error',
      message: `${file} lacks the SAN ${host}, the server of ${files.join(', ')}: those clients fail hostname verification; add it to apiServer.certSANs and reissue`,
    });
  }
  return findings;
}
