import { ParsedCertificate } from '../crypto';
import type { Finding } from './finding';
import { kubeadmCas, kubeadmKubeconfigs, kubeadmLeaves, type KubeadmCaName } from './kubeadm-pki-catalog';
import { kubeletServingFiles } from './check-kubelet-serving';
import type { NodeMaterial } from './node-material';
import { loadKubeadmTree } from './load-kubeadm-tree';

/** One row of `kubeadm certs check-expiration`. */
export interface ExpiryEntry {
  /** kubeadm's name: `apiserver`, `etcd-server`, `admin.conf`, `ca`; a user kubeconfig's file name. */
  name: string;
  /** Path relative to the examined directory. */
  file: string;
  /** Absent when the certificate is missing or unreadable. */
  expires?: Date;
  /** Seconds from `now` to expiry (negative once expired). */
  residualSeconds?: number;
  /** The signing CA's kubeadm name; absent for CAs. */
  caName?: KubeadmCaName;
  /** A CA whose key is not on this control-plane node (kubeadm's external CA mode), or a certificate it signed. */
  externallyManaged: boolean;
  missing: boolean;
}

/** The two tables of one node directory. */
export interface NodeExpiry {
  /** The node directory's name; '' when the examined directory is itself an /etc/kubernetes. */
  node: string;
  certificates: ExpiryEntry[];
  certificateAuthorities: ExpiryEntry[];
}

/** `kubeadm certs check-expiration` for every node directory of a tree. */
export interface ExpiryReport {
  now: Date;
  nodes: NodeExpiry[];
  /** Files that could not be read (they appear as missing rows). */
  problems: Finding[];
}

function entry(
  name: string,
  file: string,
  certificate: ParsedCertificate | undefined,
  now: Date,
  extra: { caName?: KubeadmCaName; externallyManaged: boolean; expected: boolean },
): ExpiryEntry | undefined {
  if (!certificate && !extra.expected) return undefined;
  return {
    name,
    file,
    ...(certificate
      ? {
          expires: certificate.notAfter,
          residualSeconds: Math.floor((certificate.notAfter.getTime() - now.getTime()) / 1000),
        }
      : {}),
    ...(extra.caName ? { caName: extra.caName } : {}),
    externallyManaged: extra.externallyManaged,
    missing: !certificate,
  };
}

const byName = (a: ExpiryEntry, b: ExpiryEntry) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function nodeExpiry(material: NodeMaterial, now: Date, wholeTree: boolean): NodeExpiry {
  const { prefix, files } = material.directory;
  const controlPlane = material.role === 'control-plane';
  const stacked =
    [...files.keys()].some((f) => f.startsWith('pki/etcd/')) || files.has('pki/apiserver-etcd-client.crt');
  // kubeadm's external CA mode: the CA certificate is there, its key is not; only meaningful where CA keys belong.
  const external = (ca: KubeadmCaName) => {
    const rule = kubeadmCas.find((c) => c.name === ca)!;
    return controlPlane && files.has(`${rule.base}.crt`) && !files.has(`${rule.base}.key`);
  };
  const certificates: ExpiryEntry[] = [];
  const add = (e: ExpiryEntry | undefined) => e && certificates.push(e);
  if (material.role === 'users') {
    for (const [rel, k] of material.kubeconfigs)
      add(
        entry(rel, k.file.path, k.clientCertificate, now, { caName: 'ca', externallyManaged: false, expected: false }),
      );
    return { node: material.directory.name, certificates: certificates.sort(byName), certificateAuthorities: [] };
  }
  for (const rule of kubeadmKubeconfigs) {
    const k = material.kubeconfigs.get(rule.file);
    // kubelet.conf is not in kubeadm's table (kubeadm's kubelet rotates its own certificate): a node directory gets
    // kubeadm's rows exactly. Over a whole tree (an extension), the certificate a kubepki kubelet.conf embeds is
    // listed, since someone has to renew it.
    if (!rule.inExpirationTable && !wholeTree) continue;
    const expected = controlPlane && rule.inExpirationTable && rule.file !== 'super-admin.conf';
    add(
      entry(rule.file, `${prefix}${rule.file}`, k?.clientCertificate, now, {
        caName: 'ca',
        externallyManaged: external('ca'),
        expected,
      }),
    );
  }
  for (const rule of kubeadmLeaves) {
    const expected = controlPlane && (!rule.etcd || stacked);
    add(
      entry(rule.expirationName, `${prefix}${rule.base}.crt`, material.certificates.get(`${rule.base}.crt`), now, {
        caName: rule.issuer,
        externallyManaged: external(rule.issuer),
        expected,
      }),
    );
  }
  // kubepki's kubelet serving certificate: not kubeadm's (its kubelet self-signs), but kubepki's to renew.
  const serving = material.certificates.get(kubeletServingFiles.certificate);
  add(
    entry('kubelet-serving', `${prefix}${kubeletServingFiles.certificate}`, serving, now, {
      caName: 'ca',
      externallyManaged: external('ca'),
      expected: false,
    }),
  );
  const certificateAuthorities: ExpiryEntry[] = [];
  for (const rule of kubeadmCas) {
    const expected = controlPlane && (rule.name !== 'etcd-ca' || stacked);
    const e = entry(rule.name, `${prefix}${rule.base}.crt`, material.certificates.get(`${rule.base}.crt`), now, {
      externallyManaged: external(rule.name),
      expected,
    });
    if (e) certificateAuthorities.push(e);
    // During a rotation's overlap the file is a trust bundle: the other generation expires too, and is listed.
    const text = files.get(`${rule.base}.crt`)?.content.toString('utf8') ?? '';
    const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    for (const pem of blocks.slice(1)) {
      let certificate: ParsedCertificate;
      try {
        certificate = ParsedCertificate.fromPem(pem);
      } catch {
        continue;
      }
      const also = entry(
        `${rule.name} (also trusted: ${certificate.commonName})`,
        `${prefix}${rule.base}.crt`,
        certificate,
        now,
        { externallyManaged: false, expected: false },
      );
      if (also) certificateAuthorities.push(also);
    }
  }
  return {
    node: material.directory.name,
    certificates: certificates.sort(byName),
    certificateAuthorities: certificateAuthorities.sort(byName),
  };
}

/**
 * What `kubeadm certs check-expiration` reports, read from the files alone (no kubeadm config, no cluster): every
 * kubeadm certificate and kubeconfig certificate with its expiry, residual time, CA and whether it is externally
 * managed, then the CAs — for each node directory of the tree.
 */
export function expiryReport(dir: string, options: { now?: Date } = {}): ExpiryReport {
  const now = options.now ?? new Date();
  const findings: Finding[] = [];
  // Expiry needs dates alone: keys are not parsed, which also keeps a damaged key out of a report about certificates.
  const loaded = loadKubeadmTree(dir, findings, undefined, { keys: false });
  // Only what stops a row from being read belongs in this report; notes about unknown files are verify's business.
  const problems = findings.filter((f) => f.severity === 'error');
  if (!loaded) return { now, nodes: [], problems };
  const wholeTree = !(loaded.materials.length === 1 && loaded.materials[0]!.directory.name === '');
  return { now, nodes: loaded.materials.map((m) => nodeExpiry(m, now, wholeTree)), problems };
}
