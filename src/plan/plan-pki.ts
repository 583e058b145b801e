import { parseDurationHours } from '../spec';
import type { ClusterSpec, ControlPlaneNodeSpec } from '../spec';
import type { CertificatePlan, CertificateProfileName, KeyHolder, KubeconfigPlan, PkiPlan, SubjectAltNamesPlan } from './pki-plan';
import { certificateProfiles, keyUsagesFor } from './certificate-profiles';
import { apiserverSans, buildSans, etcdSans } from './subject-alt-names';
import { clusterEndpoint, localEndpoint } from './kubeconfig-endpoints';
import { kubeadmIdentities, mastersGroup, nodesGroup } from './kubeadm-identities';
import { planFiles } from './plan-files';
import { planRbac } from './plan-rbac';
import { planIdentities } from './plan-identities';
import { generationName, planAuthorities, type AuthorityPlan } from './plan-authorities';
import { kubeletServingName, planKubeadmConfig } from './plan-kubeadm-config';

interface LeafInput {
  id: string;
  name: string;
  node?: string;
  issuer: string;
  profile: CertificateProfileName;
  commonName: string;
  organizations?: string[];
  sans?: SubjectAltNamesPlan;
  validityHours?: number;
  storage?: 'pki' | 'kubeconfig';
  csr?: string;
}

/**
 * Plans the whole kubeadm PKI of a cluster: every CA, certificate, key pair, kubeconfig and file, as data.
 * Pure and deterministic — no keys, no clock, no randomness — and sorted by id.
 */
export function planPki(spec: ClusterSpec): PkiPlan {
  const s = spec.spec;
  const algorithm = s.pki.encryptionAlgorithm;
  const leafHours = parseDurationHours(s.pki.certificateValidityPeriod)!;
  const caHours = parseDurationHours(s.pki.caCertificateValidityPeriod)!;
  const identities = kubeadmIdentities(s.kubernetesVersion);
  const localEtcd = 'local' in s.etcd;
  const endpoint = clusterEndpoint(spec);
  const authorities = planAuthorities(spec);
  const authority = (name: AuthorityPlan['authority']) => authorities.find((a) => a.authority === name);
  // Who signs each kind of leaf in this stage: the previous generation during trust, the new one from issue on.
  const caIds = { cluster: authority('clusterCA')!.signer, frontProxy: authority('frontProxyCA')!.signer, etcd: authority('etcdCA')?.signer ?? 'etcd-ca' };

  const certificates: CertificatePlan[] = [];
  const kubeconfigs: KubeconfigPlan[] = [];

  const caKeys: Partial<Record<string, KeyHolder>> = s.pki.caKeys ?? {};
  const holderOf = (caId: string): KeyHolder => caKeys[caId] ?? 'kubepki';
  const caParents: Partial<Record<string, { certificate: string }>> = s.pki.caParents ?? {};
  // Every generation a stage holds; the previous one is taken as it is on disk (it may be the old algorithm or
  // lifetime the rotation is there to change), so it is marked `retiring`.
  const ca = (a: AuthorityPlan) => {
    for (const id of [...a.trusted].sort()) {
      const generation = a.generation - (id === a.previous ? 1 : 0);
      const commonName = generationName(a.commonName!, generation);
      const plan = certificate({ id, name: id, issuer: id, profile: 'ca', commonName, sans: buildSans([commonName], []), validityHours: caHours });
      // An intermediate is signed by its offline root and may sign leaves only (pathLen 0).
      const parent = generation === 1 ? caParents[id]?.certificate : undefined;
      const intermediate = parent !== undefined ? { parent, pathLength: 0, signedBy: 'offline-root' as const } : {};
      certificates.push({ ...plan, ...intermediate, ...(a.generation > 1 ? { generation } : {}), ...(id === a.previous ? { retiring: true as const } : {}) });
    }
  };
  const certificate = (input: LeafInput): CertificatePlan => {
    const profile = certificateProfiles[input.profile];
    const keyHolder: KeyHolder = profile.isCa ? holderOf(input.id) : input.csr !== undefined ? 'user' : 'kubepki';
    return {
      id: input.id,
      name: input.name,
      ...(input.node !== undefined ? { node: input.node } : {}),
      issuer: input.issuer,
      profile: input.profile,
      isCa: profile.isCa,
      subject: { commonName: input.commonName, organizations: input.organizations ?? [] },
      sans: input.sans ?? { dnsNames: [], ipAddresses: [] },
      keyUsages: keyUsagesFor(input.profile, algorithm),
      extendedKeyUsages: [...profile.extendedKeyUsages],
      validityHours: input.validityHours ?? leafHours,
      algorithm,
      storage: input.storage ?? 'pki',
      keyHolder,
      signedBy: holderOf(input.issuer),
      ...(input.csr !== undefined ? { csr: input.csr } : {}),
    };
  };
  const leaf = (input: LeafInput) => certificates.push(certificate(input));
  const kubeconfig = (input: {
    id: string;
    node?: string;
    name: string;
    userName: string;
    organizations: string[];
    server: string;
    namespaces?: string[];
    validityHours?: number;
    /**
     * Names the cluster, user and contexts after this cluster (`alice@team`), so that kubeconfigs of several clusters
     * merge (`KUBECONFIG=a:b`) without one file's user or cluster entry shadowing another's. Node kubeconfigs keep
     * kubeadm's names.
     */
    scope?: string;
    csr?: string;
  }) => {
    leaf({
      id: input.id,
      name: input.name,
      ...(input.node !== undefined ? { node: input.node } : {}),
      issuer: caIds.cluster,
      profile: 'client',
      commonName: input.userName,
      organizations: input.organizations,
      ...(input.validityHours !== undefined ? { validityHours: input.validityHours } : {}),
      ...(input.csr !== undefined ? { csr: input.csr } : {}),
      storage: 'kubeconfig',
    });
    const entryUser = input.scope ? `${input.userName}@${input.scope}` : input.userName;
    const base = `${input.userName}@${input.scope ?? s.clusterName}`;
    const namespaces = input.namespaces ?? [];
    const contexts = namespaces.length === 0 ? [{ name: base }] : namespaces.map((ns) => ({ name: `${base}/${ns}`, namespace: ns }));
    kubeconfigs.push({
      id: input.id,
      ...(input.node !== undefined ? { node: input.node } : {}),
      name: input.name,
      certificate: input.id,
      clusterName: input.scope ?? s.clusterName,
      server: input.server,
      userName: entryUser,
      contexts,
      currentContext: contexts[0]!.name,
    });
  };

  for (const a of authorities) if (a.commonName) ca(a);

  s.controlPlane.forEach((node: ControlPlaneNodeSpec, index: number) => {
    const n = node.name;
    const local = localEndpoint(spec, node);
    leaf({ id: `${n}/apiserver`, name: 'apiserver', node: n, issuer: caIds.cluster, profile: 'server', commonName: 'kube-apiserver', sans: apiserverSans(spec, node) });
    leaf({
      id: `${n}/apiserver-kubelet-client`,
      name: 'apiserver-kubelet-client',
      node: n,
      issuer: caIds.cluster,
      profile: 'client',
      commonName: 'kube-apiserver-kubelet-client',
      organizations: [identities.adminGroup],
    });
    leaf({ id: `${n}/front-proxy-client`, name: 'front-proxy-client', node: n, issuer: caIds.frontProxy, profile: 'client', commonName: 'front-proxy-client' });
    if ('local' in s.etcd) {
      const etcd = s.etcd.local;
      leaf({ id: `${n}/etcd/server`, name: 'etcd/server', node: n, issuer: caIds.etcd, profile: 'server-client', commonName: n, sans: etcdSans(node, etcd.serverCertSANs) });
      leaf({ id: `${n}/etcd/peer`, name: 'etcd/peer', node: n, issuer: caIds.etcd, profile: 'server-client', commonName: n, sans: etcdSans(node, etcd.peerCertSANs) });
      leaf({
        id: `${n}/etcd/healthcheck-client`,
        name: 'etcd/healthcheck-client',
        node: n,
        issuer: caIds.etcd,
        profile: 'client',
        commonName: 'kube-etcd-healthcheck-client',
        organizations: identities.etcdClientGroups,
      });
      leaf({
        id: `${n}/apiserver-etcd-client`,
        name: 'apiserver-etcd-client',
        node: n,
        issuer: caIds.etcd,
        profile: 'client',
        commonName: 'kube-apiserver-etcd-client',
        organizations: identities.etcdClientGroups,
      });
    }
    kubeconfig({ id: `${n}/admin.conf`, node: n, name: 'admin.conf', userName: 'kubernetes-admin', organizations: [identities.adminGroup], server: endpoint });
    // kubeadm writes super-admin.conf (system:masters, unrevocable) on the init node only; join does not copy it.
    if (identities.hasSuperAdmin && index === 0) {
      kubeconfig({ id: `${n}/super-admin.conf`, node: n, name: 'super-admin.conf', userName: 'kubernetes-super-admin', organizations: [mastersGroup], server: endpoint });
    }
    kubeconfig({ id: `${n}/controller-manager.conf`, node: n, name: 'controller-manager.conf', userName: 'system:kube-controller-manager', organizations: [], server: local });
    kubeconfig({ id: `${n}/scheduler.conf`, node: n, name: 'scheduler.conf', userName: 'system:kube-scheduler', organizations: [], server: local });
    kubeconfig({
      id: `${n}/kubelet.conf`,
      node: n,
      name: 'kubelet.conf',
      userName: `system:node:${n}`,
      organizations: [nodesGroup],
      server: identities.controlPlaneKubeletUsesLocalEndpoint ? local : endpoint,
    });
  });

  for (const worker of s.workers) {
    kubeconfig({ id: `${worker.name}/kubelet.conf`, node: worker.name, name: 'kubelet.conf', userName: `system:node:${worker.name}`, organizations: [nodesGroup], server: endpoint });
  }

  for (const user of s.users) {
    kubeconfig({
      id: `users/${user.name}.conf`,
      name: `${user.name}.conf`,
      userName: user.name,
      organizations: user.groups,
      server: endpoint,
      namespaces: user.namespaces,
      scope: spec.metadata.name,
      ...(user.validityPeriod ? { validityHours: parseDurationHours(user.validityPeriod)! } : {}),
      ...(user.csr !== undefined ? { csr: user.csr } : {}),
    });
  }

  const nodes = [
    ...s.controlPlane.map((n) => ({ name: n.name, role: 'control-plane' as const, address: n.advertiseAddress })),
    ...s.workers.map((n) => ({ name: n.name, role: 'worker' as const, ...(n.address ? { address: n.address } : {}) })),
  ];
  // kubeadm leaves kubelet serving certificates self-signed; kubepki issues them from the cluster CA, which
  // kube-apiserver then names in --kubelet-certificate-authority (see the README for why not a separate CA).
  if (s.pki.kubeletServingCertificates) {
    for (const node of nodes) {
      leaf({
        id: `${node.name}/${kubeletServingName}`,
        name: kubeletServingName,
        node: node.name,
        issuer: caIds.cluster,
        profile: 'server',
        commonName: `system:node:${node.name}`,
        organizations: [nodesGroup],
        sans: buildSans([node.name], node.address ? [node.address] : []),
      });
    }
  }
  const sa = authority('serviceAccountKey')!;
  const keyPairs = sa.trusted.map((id) => ({ id, algorithm, ...(id === sa.previous ? { retiring: true as const } : {}) }));
  const byId = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  certificates.sort(byId);
  kubeconfigs.sort(byId);
  const rbac = planRbac(spec);
  const kubeadm = planKubeadmConfig(spec, endpoint, certificates);
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
    // Only once a rotation has begun: a never-rotated cluster's plan stays as it was (see authoritiesOf).
    ...(authorities.some((a) => a.generation > 1) ? { authorities } : {}),
    certificates,
    keyPairs,
    kubeconfigs,
    rbac,
    identities: planIdentities(spec, certificates),
    expectations: s.expect.map((e) => ({ as: e.as, ...(e.namespace ? { namespace: e.namespace } : {}), can: e.can ?? [], cannot: e.cannot ?? [] })),
    ...(kubeadm ? { kubeadm } : {}),
    files: planFiles(nodes, certificates, kubeconfigs, rbac, authorities, kubeadm),
  };
}
