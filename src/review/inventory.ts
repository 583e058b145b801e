import type { CertificatePlan, PkiPlan, RbacManifest } from '../plan';
import { accessPolicyOf, checkExpectations } from '../access';
import { evaluateIdentityAccess } from './identity-access';

/** A certificate as a reviewer reads it; no key material, no serials, no dates. */
export interface InventoryCertificate {
  id: string;
  /** kubeadm's name (`apiserver`, `etcd/server`, `admin.conf`). */
  name: string;
  node?: string;
  /** Every file that holds it: `.crt` files (a CA on each node) or the kubeconfig that embeds it. */
  paths: string[];
  issuer: string;
  subject: { commonName: string; organizations: string[] };
  sans: { dnsNames: string[]; ipAddresses: string[] };
  keyUsages: string[];
  extendedKeyUsages: string[];
  algorithm: string;
  /** Go duration, as the spec writes it (`8760h`). */
  validity: string;
  isCa: boolean;
  /** Where its private key lives: kubepki, user, external-ca, cfssl, hsm. */
  keyHolder: string;
  /** Who signs it: its issuer's key holder. */
  signedBy: string;
  /** An intermediate's offline root: the root certificate file the spec names (its key is never kubepki's). */
  parent?: string;
}

export interface InventoryKubeconfig {
  id: string;
  path: string;
  user: string;
  groups: string[];
  server: string;
  cluster: string;
  contexts: string[];
  currentContext: string;
}

export interface InventoryAccess {
  identity: string;
  kind: string;
  groups: string[];
  /** `revocable: <binding>` / `UNREVOCABLE: system:masters`; absent when not cluster-admin equivalent. */
  clusterAdmin?: string;
  /** Scope → common actions allowed (`(cluster)` for cluster-wide); omitted for cluster-admin equivalents. */
  allowed?: Record<string, string[]>;
  /** Kubelets: the Node authorizer decides their node-scoped requests. */
  nodeAuthorizer?: boolean;
}

/**
 * The plan as a reviewer needs it, secret-free and byte-stable: certificates, the sa key, kubeconfigs, RBAC objects
 * by name and an access summary. Committed next to the spec, its git diff shows what a spec change does.
 */
export interface Inventory {
  apiVersion: 'kubepki.io/v1alpha1';
  kind: 'PkiInventory';
  metadata: { name: string };
  cluster: PkiPlan['cluster'];
  nodes: { name: string; role: string; address?: string }[];
  certificates: InventoryCertificate[];
  serviceAccountKey: { algorithm: string; paths: string[] };
  /** Present once a rotation has begun: every authority's generation and stage. */
  rotation?: { authority: string; generation: number; phase: string; trusted: string[]; signer: string }[];
  kubeconfigs: InventoryKubeconfig[];
  rbac: { file: string; objects: string[] }[];
  access: {
    identities: InventoryAccess[];
    expectations: { total: number; passed: number; failed: string[] };
  };
}

/** `ClusterRoleBinding kubeadm:cluster-admins`, `RoleBinding app1-dev/kubepki:edit`. */
export function rbacObjectName(object: RbacManifest): string {
  return `${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`;
}

function certificateEntry(plan: PkiPlan, c: CertificatePlan): InventoryCertificate {
  const paths = plan.files
    .filter((f) => (f.content.kind === 'certificate' || f.content.kind === 'kubeconfig') && f.content.of === c.id)
    .map((f) => f.path);
  return {
    id: c.id,
    name: c.name,
    ...(c.node !== undefined ? { node: c.node } : {}),
    paths,
    issuer: c.issuer,
    subject: { commonName: c.subject.commonName, organizations: [...c.subject.organizations] },
    sans: { dnsNames: [...c.sans.dnsNames], ipAddresses: [...c.sans.ipAddresses] },
    keyUsages: [...c.keyUsages],
    extendedKeyUsages: [...c.extendedKeyUsages],
    algorithm: c.algorithm,
    validity: `${c.validityHours}h`,
    isCa: c.isCa,
    keyHolder: c.keyHolder,
    signedBy: c.signedBy,
    ...(c.parent !== undefined ? { parent: c.parent } : {}),
  };
}

/** Builds the inventory of a plan. Pure: the same plan always gives the same inventory. */
export function buildInventory(plan: PkiPlan): Inventory {
  const policy = accessPolicyOf(plan);
  const expectations = checkExpectations(plan, policy);
  const identities = evaluateIdentityAccess(plan, undefined, policy).map((a): InventoryAccess => ({
    identity: a.ref,
    kind: a.kind,
    groups: a.groups,
    ...(a.clusterAdmin
      ? {
          clusterAdmin: a.clusterAdmin.revocable
            ? `revocable: ${a.clusterAdmin.via}`
            : `UNREVOCABLE: ${a.clusterAdmin.via}`,
        }
      : {}),
    ...(!a.clusterAdmin && a.allowed.size > 0 ? { allowed: Object.fromEntries(a.allowed) } : {}),
    ...(a.nodeAuthorizer ? { nodeAuthorizer: true } : {}),
  }));
  return {
    apiVersion: 'kubepki.io/v1alpha1',
    kind: 'PkiInventory',
    metadata: { name: plan.metadata.name },
    cluster: { ...plan.cluster },
    nodes: plan.nodes.map((n) => ({ name: n.name, role: n.role, ...(n.address ? { address: n.address } : {}) })),
    certificates: plan.certificates.map((c) => certificateEntry(plan, c)),
    serviceAccountKey: {
      algorithm: plan.keyPairs[0]!.algorithm,
      paths: plan.files.filter((f) => plan.keyPairs.some((k) => k.id === f.content.of)).map((f) => f.path),
    },
    // Once rotated: each authority's generation and stage, who is trusted and who signs.
    ...(plan.authorities
      ? {
          rotation: plan.authorities.map((a) => ({
            authority: a.authority,
            generation: a.generation,
            phase: a.phase,
            trusted: a.trusted,
            signer: a.signer,
          })),
        }
      : {}),
    kubeconfigs: plan.kubeconfigs.map((k) => ({
      id: k.id,
      path: plan.files.find((f) => f.content.kind === 'kubeconfig' && f.content.of === k.id)!.path,
      user: plan.certificates.find((c) => c.id === k.certificate)!.subject.commonName,
      groups: [...plan.certificates.find((c) => c.id === k.certificate)!.subject.organizations],
      server: k.server,
      cluster: k.clusterName,
      contexts: k.contexts.map((c) => (c.namespace ? `${c.name} (namespace ${c.namespace})` : c.name)),
      currentContext: k.currentContext,
    })),
    rbac: plan.rbac.map((f) => ({ file: f.path, objects: f.objects.map(rbacObjectName) })),
    access: {
      identities,
      expectations: {
        total: expectations.length,
        passed: expectations.filter((e) => e.passed).length,
        failed: expectations
          .filter((e) => !e.passed)
          .map(
            (e) =>
              `${e.as} ${e.expected === 'allowed' ? 'can' : 'cannot'} "${e.action}" in ${e.namespace ?? 'the cluster scope'}`,
          ),
      },
    },
  };
}
