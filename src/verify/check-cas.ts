import type { Finding } from './finding';
import { kubeadmCas, type KubeadmCaName } from './kubeadm-pki-catalog';
import type { NodeMaterial } from './node-material';
import type { LocatedCertificate, VerifyContext } from './verify-context';
import { checkEcdsaKeyEncipherment, checkKeyMatch, checkValidity } from './check-certificate-basics';

/** A node's CAs by kubeadm name, as found in its pki/. */
export type NodeCas = Map<KubeadmCaName, LocatedCertificate>;

/** The CA certificates a node directory holds. */
export function nodeCas(material: NodeMaterial): NodeCas {
  const cas: NodeCas = new Map();
  for (const rule of kubeadmCas) {
    const certificate = material.certificates.get(`${rule.base}.crt`);
    if (certificate) cas.set(rule.name, { file: `${material.directory.prefix}${rule.base}.crt`, certificate });
  }
  return cas;
}

/**
 * The CAs a node's leaves are judged against: its own, and for each it lacks, the tree's copy (every control-plane
 * node holds the same CAs). A missing ca.crt must not make the node's leaves unchecked.
 */
export function trustedCas(material: NodeMaterial, context: VerifyContext): NodeCas {
  const cas = nodeCas(material);
  for (const [name, copy] of context.cas) if (!cas.has(name)) cas.set(name, copy);
  return cas;
}

// Pairs that must not share a key: the front-proxy CA vouches for the aggregation layer's request headers, the etcd
// CA for access to all cluster data. If either equals the client CA, any kubeconfig could pose as the front proxy or
// read etcd directly.
const separations: [KubeadmCaName, KubeadmCaName, 'error' | 'warning', string][] = [
  [
    'ca',
    'front-proxy-ca',
    'error',
    'any client certificate of the cluster CA could then assert any user in front-proxy request headers',
  ],
  ['ca', 'etcd-ca', 'error', 'any client certificate of the cluster CA could then read and write etcd directly'],
  ['front-proxy-ca', 'etcd-ca', 'warning', 'the front-proxy client certificate could then talk to etcd'],
];

// ParsedCertificate.publicKeyPem() cannot be used here: it passes a public KeyObject to createPublicKey, which throws.
const spki = (c: LocatedCertificate) => c.certificate.publicKeyDer();

/** Each CA is a self-signed CA with keyCertSign and its own key; CAs are separate; no CA key on a worker. */
export function checkCas(material: NodeMaterial, context: VerifyContext): Finding[] {
  const findings: Finding[] = [];
  const prefix = material.directory.prefix;
  const cas = nodeCas(material);
  for (const rule of kubeadmCas) {
    const located = cas.get(rule.name);
    const keyRel = `${rule.base}.key`;
    const keyFile = `${prefix}${keyRel}`;
    if (material.role === 'worker' && material.directory.files.has(keyRel)) {
      findings.push({
        id: 'ca.key-on-worker',
        file: keyFile,
        severity: 'error',
        message: `${keyFile} is the private key of the ${rule.name === 'ca' ? 'cluster' : rule.name} CA on a worker node: anyone who controls this node can issue any identity the CA vouches for; only control-plane nodes may hold it — delete it`,
      });
    }
    if (!located) continue;
    const { certificate, file } = located;
    if (!certificate.isCa)
      findings.push({
        id: 'ca.not-ca',
        file,
        severity: 'error',
        message: `${file} is not a CA certificate (basicConstraints CA:FALSE or absent): nothing it signs verifies`,
      });
    if (!certificate.keyUsages.includes('keyCertSign'))
      findings.push({
        id: 'ca.key-usage',
        file,
        severity: 'error',
        message: `${file} lacks key usage keyCertSign: verifiers refuse certificates it signed`,
      });
    // An intermediate the plan names (spec.pki.caParents) is checked against its root by checkIntermediates.
    const planned = context.plan?.certificates.some((c) => c.id === rule.name && c.parent !== undefined);
    if (!planned && !certificate.isIssuedBy(certificate)) {
      findings.push({
        id: 'ca.not-self-signed',
        file,
        severity: 'warning',
        message: `${file} is not self-signed (issuer "${certificate.issuer}"): an intermediate CA. Go peers anchor trust at it; OpenSSL ones need partial-chain verification or its root. With spec.pki.caParents naming the root, verify --spec checks the chain`,
      });
    }
    if (certificate.commonName !== rule.commonName) {
      findings.push({
        id: 'ca.common-name',
        file,
        severity: 'info',
        message: `${file} has CN "${certificate.commonName}"; kubeadm names this CA "${rule.commonName}"`,
      });
    }
    findings.push(...checkEcdsaKeyEncipherment(certificate, file));
    findings.push(...checkValidity(certificate, file, context));
    findings.push(...checkKeyMatch(certificate, file, material.keys.get(keyRel), keyFile));
  }
  for (const [a, b, severity, why] of separations) {
    const first = cas.get(a);
    const second = cas.get(b);
    if (!first || !second) continue;
    if (spki(first).equals(spki(second))) {
      findings.push({
        id: 'ca.separation',
        file: second.file,
        severity,
        message: `${second.file} uses the same key as ${first.file}: kubeadm keeps the ${b} separate from the ${a} because ${why}`,
      });
    }
  }
  return findings;
}
