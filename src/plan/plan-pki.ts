import { kubernetesMinor, parseDurationHours } from '../spec';
import type { ClusterSpec, ControlPlaneNodeSpec } from '../spec';
import {
  certificateProfiles,
  commonNameOn,
  keyUsagesFor,
  kubeadmCertificateRows,
  rowApplies,
  sinceMinor,
  type KubeadmCertificateRow,
  type SanRule,
} from '../vocabulary';
import type { CertificatePlan, KubeconfigPlan, PkiPlan, SubjectAltNamesPlan } from './pki-plan';
import { apiserverSans, buildSans, etcdSans } from './subject-alt-names';
import { clusterEndpoint, localEndpoint } from './kubeconfig-endpoints';
import { planFiles } from './plan-files';
import { planRbac } from './plan-rbac';
import { planIdentities } from './plan-identities';

/** A certificate's node, or none for the shared CAs and user kubeconfigs. */
interface Placement {
  node?: ControlPlaneNodeSpec | { name: string };
  /** Index among control-plane nodes; undefined on a worker. */
  controlPlaneIndex?: number;
}

/** kubeadm's SAN rules (the reference's rules A and B), by the name a catalog row gives. */
function sansOf(rule: SanRule, spec: ClusterSpec, row: KubeadmCertificateRow, node: ControlPlaneNodeSpec | undefined): SubjectAltNamesPlan {
  const etcd = 'local' in spec.spec.etcd ? spec.spec.etcd.local : undefined;
  switch (rule) {
    case 'ca-name':
      // kubeadm's NewSelfSignedCACert writes the CN as the only DNS SAN.
      return buildSans([row.commonName], []);
    case 'apiserver':
      return apiserverSans(spec, node!);
    case 'etcd-server':
      return etcdSans(node!, etcd!.serverCertSANs);
    case 'etcd-peer':
      return etcdSans(node!, etcd!.peerCertSANs);
    case 'none':
      return { dnsNames: [], ipAddresses: [] };
  }
}

/**
 * Plans the whole kubeadm PKI of a cluster: every CA, certificate, key pair, kubeconfig and file, as data — a loop
 * over the kubeadm catalog's rows × the nodes each row names, then the spec's users.
 * Pure and deterministic — no keys, no clock, no randomness — and sorted by id.
 */
export function planPki(spec: ClusterSpec): PkiPlan {
  const s = spec.spec;
  const algorithm = s.pki.encryptionAlgorithm;
  const leafHours = parseDurationHours(s.pki.certificateValidityPeriod)!;
  const caHours = parseDurationHours(s.pki.caCertificateValidityPeriod)!;
  const minor = kubernetesMinor(s.kubernetesVersion);
  const localEtcd = 'local' in s.etcd;
  const endpoint = clusterEndpoint(spec);

  const certificates: CertificatePlan[] = [];
  const kubeconfigs: KubeconfigPlan[] = [];

  const certificate = (input: Omit<CertificatePlan, 'isCa' | 'keyUsages' | 'extendedKeyUsages' | 'algorithm'>): CertificatePlan => {
    const profile = certificateProfiles[input.profile];
    return {
      id: input.id,
      name: input.name,
      ...(input.node !== undefined ? { node: input.node } : {}),
      issuer: input.issuer,
      profile: input.profile,
      isCa: profile.isCa,
      subject: input.subject,
      sans: input.sans,
      keyUsages: keyUsagesFor(input.profile, algorithm),
      extendedKeyUsages: [...profile.extendedKeyUsages],
      validityHours: input.validityHours,
      algorithm,
      storage: input.storage,
    };
  };
  const kubeconfig = (cert: CertificatePlan, server: string, namespaces: string[] = []) => {
    certificates.push(cert);
    const userName = cert.subject.commonName;
    const base = `${userName}@${s.clusterName}`;
    const contexts = namespaces.length === 0 ? [{ name: base }] : namespaces.map((ns) => ({ name: `${base}/${ns}`, namespace: ns }));
    kubeconfigs.push({
      id: cert.id,
      ...(cert.node !== undefined ? { node: cert.node } : {}),
      name: cert.name,
      certificate: cert.id,
      clusterName: s.clusterName,
      server,
      userName,
      contexts,
      currentContext: contexts[0]!.name,
    });
  };

  const placements = (row: KubeadmCertificateRow): Placement[] => {
    if (row.kind === 'ca') return [{}];
    const controlPlane = s.controlPlane.map((node, controlPlaneIndex) => ({ node, controlPlaneIndex }));
    if (row.nodes === 'first-control-plane') return controlPlane.slice(0, 1);
    if (row.nodes === 'control-plane') return controlPlane;
    return [...controlPlane, ...s.workers.map((node) => ({ node: { name: node.name } }))];
  };

  for (const row of kubeadmCertificateRows) {
    if (!rowApplies(row, minor, localEtcd)) continue;
    for (const { node, controlPlaneIndex } of placements(row)) {
      const controlPlaneNode = controlPlaneIndex !== undefined ? (node as ControlPlaneNodeSpec) : undefined;
      const cert = certificate({
        id: node ? `${node.name}/${row.id}` : row.id,
        name: row.id,
        ...(node ? { node: node.name } : {}),
        issuer: row.issuer,
        profile: row.profile,
        subject: { commonName: commonNameOn(row, node?.name ?? ''), organizations: [...sinceMinor(row.organizations, minor)] },
        sans: sansOf(row.sans, spec, row, controlPlaneNode),
        validityHours: row.kind === 'ca' ? caHours : leafHours,
        storage: row.kind === 'kubeconfig' ? 'kubeconfig' : 'pki',
      });
      if (row.kind !== 'kubeconfig') {
        certificates.push(cert);
        continue;
      }
      const local = controlPlaneNode !== undefined && sinceMinor(row.server!, minor) === 'local';
      kubeconfig(cert, local ? localEndpoint(spec, controlPlaneNode) : endpoint);
    }
  }

  for (const user of s.users) {
    const cert = certificate({
      id: `users/${user.name}.conf`,
      name: `${user.name}.conf`,
      issuer: 'ca',
      profile: 'client',
      subject: { commonName: user.name, organizations: user.groups },
      sans: { dnsNames: [], ipAddresses: [] },
      validityHours: user.validityPeriod ? parseDurationHours(user.validityPeriod)! : leafHours,
      storage: 'kubeconfig',
    });
    kubeconfig(cert, endpoint, user.namespaces);
  }

  const nodes = [
    ...s.controlPlane.map((n) => ({ name: n.name, role: 'control-plane' as const, address: n.advertiseAddress })),
    ...s.workers.map((n) => ({ name: n.name, role: 'worker' as const, ...(n.address ? { address: n.address } : {}) })),
  ];
  const keyPairs = [{ id: 'sa' as const, algorithm }];
  const byId = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  certificates.sort(byId);
  kubeconfigs.sort(byId);
  const rbac = planRbac(spec);
  return {
    apiVersion: 'kubepki.io/v1alpha1',
    kind: 'PkiPlan',
    metadata: { name: spec.metadata.name },
    cluster: {
      clusterName: s.clusterName,
      kubernetesVersion: s.kubernetesVersion,
      algorithm,
      dnsDomain: s.networking.dnsDomain,
      endpoint,
      serviceAccountIssuer: `https://kubernetes.default.svc.${s.networking.dnsDomain}`,
      etcd: localEtcd ? 'local' : 'external',
      ...(s.pki.renewBefore ? { renewBeforeHours: parseDurationHours(s.pki.renewBefore)! } : {}),
    },
    nodes,
    certificates,
    keyPairs,
    kubeconfigs,
    rbac,
    identities: planIdentities(spec, certificates),
    expectations: s.expect.map((e) => ({ as: e.as, ...(e.namespace ? { namespace: e.namespace } : {}), can: e.can ?? [], cannot: e.cannot ?? [] })),
    files: planFiles(nodes, certificates, kubeconfigs, rbac, localEtcd),
  };
}
