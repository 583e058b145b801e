import type { Finding } from './finding';
import { caRule, kubeadmCas, kubeadmLeaves, type KubeadmCaName } from './kubeadm-pki-catalog';
import type { NodeMaterial } from './node-material';
import { kubeconfigHoldsCredentials } from './kubeconfig-holds-credentials';
import { externalCas } from './check-external-ca';

const octal = (mode: number) => `0${mode.toString(8).padStart(3, '0')}`;

/**
 * Private keys and kubeconfigs with credentials are owner-only (kubeadm: 0600); nothing may be writable by others. A
 * kubeconfig is a secret when any of its users has a credential, whichever context is current.
 */
export function checkFileModes(material: NodeMaterial): Finding[] {
  const findings: Finding[] = [];
  for (const [rel, file] of material.directory.files) {
    const secret =
      rel.endsWith('.key') || (rel.endsWith('.conf') && kubeconfigHoldsCredentials(file.content.toString('utf8')));
    if (file.uid !== material.directory.owner) {
      findings.push({
        id: 'file.owner',
        file: file.path,
        severity: secret ? 'error' : 'warning',
        message: `${file.path} is owned by uid ${file.uid}, the tree by uid ${material.directory.owner}: that user can replace it${secret ? ' and read the secret it holds' : ''}; chown it to the tree's owner`,
      });
    }
    if (secret && (file.mode & 0o077) !== 0) {
      const what = rel.endsWith('.key') ? 'a private key' : 'a kubeconfig with credentials';
      findings.push({
        id: 'file.mode',
        file: file.path,
        severity: 'error',
        message: `${file.path} is ${what} with mode ${octal(file.mode)}: readable by group or others; chmod 600 it`,
      });
    } else if (!secret && (file.mode & 0o022) !== 0) {
      findings.push({
        id: 'file.mode',
        file: file.path,
        severity: 'warning',
        message: `${file.path} has mode ${octal(file.mode)}: writable by group or others, who could replace it; chmod 644 it`,
      });
    }
  }
  return findings;
}

// What each control-plane credential lets whoever holds it do; on a worker, whoever controls the node can.
const controlPlaneCredentials: Record<string, string> = {
  'super-admin.conf': 'kubernetes-super-admin in system:masters, which no RBAC change can revoke',
  'admin.conf': 'kubernetes-admin, cluster-admin through kubeadm:cluster-admins',
  'controller-manager.conf': "kube-controller-manager's identity, which can read every Secret",
  'scheduler.conf': "kube-scheduler's identity",
};

/**
 * A worker holds pki/ca.crt and kubelet.conf only (and its kubelet serving pair). Any control-plane kubeconfig or private key there hands its power
 * to anyone who controls the node. (CA keys and sa.key have their own, more specific findings.)
 */
export function checkWorkerCredentials(material: NodeMaterial): Finding[] {
  if (material.role !== 'worker') return [];
  const findings: Finding[] = [];
  // The kubelet's own serving key (pki/kubelet-serving.key) belongs on every node, workers included.
  const reported = new Set([...kubeadmCas.map((c) => `${c.base}.key`), 'pki/sa.key', 'pki/kubelet-serving.key']);
  for (const [rel, file] of material.directory.files) {
    const power =
      controlPlaneCredentials[rel] ??
      (rel.endsWith('.key') && !reported.has(rel) ? 'a control-plane private key' : undefined);
    if (!power) continue;
    findings.push({
      id: 'credential.on-worker',
      file: file.path,
      severity: 'error',
      message: `${file.path} is a control-plane credential (${power}) on a worker node: anyone who controls this node can use it; a worker needs only pki/ca.crt and kubelet.conf — delete it`,
    });
  }
  return findings;
}

/** sa.pub must be sa.key's public half (tokens signed with one are verified with the other); workers hold neither key. */
export function checkServiceAccountKey(material: NodeMaterial): Finding[] {
  const findings: Finding[] = [];
  const prefix = material.directory.prefix;
  const key = material.keys.get('pki/sa.key');
  const pub = material.publicKeys.get('pki/sa.pub');
  if (material.role === 'worker' && material.directory.files.has('pki/sa.key')) {
    findings.push({
      id: 'sa.key-on-worker',
      file: `${prefix}pki/sa.key`,
      severity: 'error',
      message: `${prefix}pki/sa.key is the service-account signing key on a worker node: anyone who controls this node can mint a token for any service account; delete it`,
    });
  }
  if (key && pub && !key.publicKeyDer().equals(pub.export({ format: 'der', type: 'spki' }))) {
    findings.push({
      id: 'sa.mismatch',
      file: `${prefix}pki/sa.pub`,
      severity: 'error',
      message: `${prefix}pki/sa.pub is not the public key of ${prefix}pki/sa.key: kube-apiserver rejects every token the controller-manager signs`,
    });
  }
  return findings;
}

function expectedFiles(material: NodeMaterial): { rel: string; reads: string }[] {
  if (material.role === 'worker') {
    return [
      { rel: 'pki/ca.crt', reads: 'the kubelet (authentication.x509.clientCAFile)' },
      { rel: 'kubelet.conf', reads: 'the kubelet' },
    ];
  }
  const files = material.directory.files;
  const stacked =
    [...files.keys()].some((f) => f.startsWith('pki/etcd/')) || files.has('pki/apiserver-etcd-client.crt');
  const list: { rel: string; reads: string }[] = [];
  for (const ca of kubeadmCas) {
    if (ca.name === 'etcd-ca' && !stacked) continue;
    list.push(
      { rel: `${ca.base}.crt`, reads: 'the control plane' },
      { rel: `${ca.base}.key`, reads: 'kubeadm and the controller-manager (to sign)' },
    );
  }
  for (const leaf of kubeadmLeaves) {
    if (leaf.etcd && !stacked) continue;
    const reads = leaf.baseName.startsWith('etcd/') ? 'etcd' : 'kube-apiserver';
    list.push({ rel: `${leaf.base}.crt`, reads }, { rel: `${leaf.base}.key`, reads });
  }
  list.push(
    { rel: 'pki/sa.key', reads: 'kube-controller-manager and kube-apiserver' },
    { rel: 'pki/sa.pub', reads: 'kube-apiserver' },
  );
  for (const conf of ['admin.conf', 'controller-manager.conf', 'scheduler.conf', 'kubelet.conf'])
    list.push({ rel: conf, reads: conf === 'admin.conf' ? 'kubeadm and admins' : `the ${conf.replace('.conf', '')}` });
  return list;
}

/**
 * The files kubeadm writes on a node of this role that are absent. Without a plan this cannot be certain (external
 * etcd, external CA, a partial copy), so missing files are warnings; a missing CA key is external CA mode; a leaf
 * certificate without its key is an error, since the component that loads the pair cannot start.
 */
export function checkMissingFiles(material: NodeMaterial): Finding[] {
  if (material.role === 'users') return [];
  const findings: Finding[] = [];
  const prefix = material.directory.prefix;
  const external = externalCas(material);
  for (const { rel, reads } of expectedFiles(material)) {
    // A file that is there but unreadable already has its error (file.unreadable).
    if (material.directory.files.has(rel) || material.directory.unreadable.has(rel)) continue;
    const file = `${prefix}${rel}`;
    const ca = kubeadmCas.find((c) => rel === `${c.base}.key`);
    const leaf = kubeadmLeaves.find((l) => rel === `${l.base}.key`);
    if (ca && material.directory.files.has(`${ca.base}.crt`)) {
      findings.push({
        id: 'ca.external',
        file,
        severity: 'info',
        message: `${file} is absent: the ${ca.name} CA is external (kubeadm's external CA mode); certificates it signs cannot be renewed here`,
      });
    } else if (leaf && material.directory.files.has(`${leaf.base}.crt`)) {
      // Unlike a CA key, a leaf key has no external mode: the certificate is useless without it.
      findings.push({
        id: 'key.missing',
        file,
        severity: 'error',
        message: `${file} is missing but ${prefix}${leaf.base}.crt is here: ${reads} loads both and cannot start without the private key; restore it, or reissue the pair`,
      });
    } else if (signedByExternalCa(rel, external)) {
      // kubeadm init stops here in external-CA mode: it cannot issue the file without the CA key.
      const ca = signedByExternalCa(rel, external)!;
      findings.push({
        id: 'external-ca.missing',
        file,
        severity: 'error',
        message: `${file} is missing, and ${prefix}${caRule(ca).base}.crt is here without its key (kubeadm's external CA mode): kubeadm cannot issue it and stops; have the outside CA sign its CSR (kubepki csr or kubeadm certs generate-csr writes ${rel.endsWith('.conf') ? file : file.replace(/\.(crt|key)$/, '')}.csr) and place the result here`,
      });
    } else {
      findings.push({
        id: 'file.missing',
        file,
        severity: 'warning',
        message: `${file} is missing: kubeadm writes it on a ${material.role} node and ${reads} reads it`,
      });
    }
  }
  return findings;
}

/** The external CA (kubeadm's external-CA mode) that must have signed a file kubeadm expects, if any. */
function signedByExternalCa(rel: string, external: ReadonlySet<KubeadmCaName>): KubeadmCaName | undefined {
  const leaf = kubeadmLeaves.find((l) => rel === `${l.base}.crt` || rel === `${l.base}.key`);
  if (leaf) return external.has(leaf.issuer) ? leaf.issuer : undefined;
  // ValidateKubeconfigsForExternalCA: the kubeconfigs every control-plane node needs, signed by the cluster CA.
  return rel.endsWith('.conf') && external.has('ca') ? 'ca' : undefined;
}
