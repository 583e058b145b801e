import type { SpecIssue } from './spec-error';
import { quoteSpecValue } from './spec-error';
import { parseDurationHours } from './duration';
import { compareKubernetesVersions } from './kubernetes-version';
import { isIpAddress, normalizeIpAddress } from './network-address';

// Rules that span several fields. They read the raw document leniently, so they still report their problems when
// some unrelated field failed the schema: the user sees every problem in one run.

type Raw = Record<string, unknown>;

function record(value: unknown): Raw {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Raw) : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Directory names kubepki itself writes beside the node directories. */
export const reservedNodeNames = ['users', 'rbac'] as const;

/** kubeadm's algorithm support by version (v1beta4): ECDSA-P256 since 1.31, ECDSA-P384 since 1.34. */
const algorithmSince: Record<string, string> = { 'ECDSA-P256': 'v1.31', 'ECDSA-P384': 'v1.34' };

export function checkSpecConsistency(raw: unknown): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const spec = record(record(raw).spec);
  const controlPlane = list(spec.controlPlane);
  const workers = list(spec.workers);

  if (Array.isArray(spec.controlPlane) && controlPlane.length === 0) {
    issues.push({
      code: 'no_control_plane',
      path: 'spec.controlPlane',
      message: 'is empty: at least one control-plane node is required, e.g. [{name: cp1, advertiseAddress: 10.0.0.11}]',
    });
  }

  const seenNodes = new Map<string, string>();
  const nodes = [
    ...controlPlane.map((n, i) => ({ n: record(n), path: `spec.controlPlane[${i}].name` })),
    ...workers.map((n, i) => ({ n: record(n), path: `spec.workers[${i}].name` })),
  ];
  for (const { n, path } of nodes) {
    if (typeof n.name !== 'string') continue;
    const first = seenNodes.get(n.name);
    if (first) {
      issues.push({
        code: 'duplicate_name',
        path,
        message: `${quoteSpecValue(n.name)} is already the name of ${first}: node names must be unique across controlPlane and workers`,
      });
    } else {
      seenNodes.set(n.name, path);
    }
    if ((reservedNodeNames as readonly string[]).includes(n.name)) {
      issues.push({
        code: 'reserved_name',
        path,
        message: `${quoteSpecValue(n.name)} is reserved: kubepki writes <out>/${n.name}/ itself; rename the node`,
      });
    }
  }

  // Two nodes at one address: the second's certificates would claim the first's address, and kubeadm joins fail.
  const seenAddresses = new Map<string, string>();
  const addressed = [
    ...controlPlane.map((n, i) => ({
      address: record(n).advertiseAddress,
      path: `spec.controlPlane[${i}].advertiseAddress`,
    })),
    ...workers.map((n, i) => ({ address: record(n).address, path: `spec.workers[${i}].address` })),
  ];
  for (const { address, path } of addressed) {
    if (typeof address !== 'string' || !isIpAddress(address)) continue;
    const canonical = normalizeIpAddress(address);
    const first = seenAddresses.get(canonical);
    if (first)
      issues.push({
        code: 'duplicate_address',
        path,
        message: `${quoteSpecValue(address)} is already the address of ${first}: every node needs its own address`,
      });
    else seenAddresses.set(canonical, path);
  }

  const seenUsers = new Map<string, number>();
  list(spec.users).forEach((u, i) => {
    const name = record(u).name;
    if (typeof name !== 'string') return;
    if (seenUsers.has(name)) {
      issues.push({
        code: 'duplicate_name',
        path: `spec.users[${i}].name`,
        message: `${quoteSpecValue(name)} is already spec.users[${seenUsers.get(name)}]: user names must be unique`,
      });
    } else {
      seenUsers.set(name, i);
    }
  });

  const pki = record(spec.pki);
  const caHours = parseDurationHours(
    typeof pki.caCertificateValidityPeriod === 'string' ? pki.caCertificateValidityPeriod : '87600h',
  );
  const leafText = typeof pki.certificateValidityPeriod === 'string' ? pki.certificateValidityPeriod : '8760h';
  const leafHours = parseDurationHours(leafText);
  if (caHours !== undefined && leafHours !== undefined && leafHours > caHours) {
    issues.push({
      code: 'leaf_outlives_ca',
      path: 'spec.pki.certificateValidityPeriod',
      message: `${quoteSpecValue(leafText)} is longer than caCertificateValidityPeriod (${caHours}h): a certificate cannot outlive its CA; shorten it or lengthen the CA's`,
    });
  }
  list(spec.users).forEach((u, i) => {
    const text = record(u).validityPeriod;
    const hours = typeof text === 'string' ? parseDurationHours(text) : undefined;
    if (hours !== undefined && caHours !== undefined && hours > caHours) {
      issues.push({
        code: 'leaf_outlives_ca',
        path: `spec.users[${i}].validityPeriod`,
        message: `${quoteSpecValue(text)} is longer than caCertificateValidityPeriod (${caHours}h): shorten it`,
      });
    }
  });
  if (typeof pki.renewBefore === 'string') {
    const renew = parseDurationHours(pki.renewBefore);
    // A certificate whose whole life is inside the renewal window would be reissued on every run.
    const lifetimes = [
      { path: 'spec.pki.certificateValidityPeriod', hours: leafHours },
      ...list(spec.users).map((u, i) => {
        const text = record(u).validityPeriod;
        return {
          path: `spec.users[${i}].validityPeriod`,
          hours: typeof text === 'string' ? parseDurationHours(text) : undefined,
        };
      }),
    ];
    for (const { path, hours } of lifetimes) {
      if (renew !== undefined && hours !== undefined && renew >= hours) {
        issues.push({
          code: 'renewal_window_too_long',
          path: 'spec.pki.renewBefore',
          message: `${quoteSpecValue(pki.renewBefore)} is not shorter than ${path} (${hours}h): that certificate would be reissued on every run; shorten renewBefore or lengthen the validity`,
        });
      }
    }
  }

  if (pki.kubeletServingCertificates === true) {
    workers.forEach((w, i) => {
      if (record(w).address === undefined) {
        issues.push({
          code: 'missing_address',
          path: `spec.workers[${i}].address`,
          message: `is required when spec.pki.kubeletServingCertificates is true: kube-apiserver dials the kubelet at its InternalIP, which its serving certificate must name; add the node's IP (e.g. address: 10.0.0.21)`,
        });
      }
    });
  }

  const algorithm = pki.encryptionAlgorithm;
  const version = typeof spec.kubernetesVersion === 'string' ? spec.kubernetesVersion : 'v1.33.0';
  if (typeof algorithm === 'string' && algorithmSince[algorithm] && /^v?1\.\d+/.test(version)) {
    const since = algorithmSince[algorithm]!;
    if (compareKubernetesVersions(version, since) < 0) {
      issues.push({
        code: 'algorithm_needs_newer_kubernetes',
        path: 'spec.pki.encryptionAlgorithm',
        message: `${quoteSpecValue(algorithm)} needs kubeadm ${since} or newer but kubernetesVersion is ${quoteSpecValue(version)}: raise kubernetesVersion or use RSA-2048`,
      });
    }
  }
  const etcd = record(spec.etcd);
  if ('external' in etcd && 'etcdCA' in record(pki.rotation)) {
    issues.push({
      code: 'rotation_without_authority',
      path: 'spec.pki.rotation.etcdCA',
      message:
        "is set but etcd is external: kubepki holds no etcd CA to rotate; remove pki.rotation.etcdCA (rotate the external etcd's CA where it is managed)",
    });
  }
  // A rotation creates the new generation's key: kubepki can only do that for a key it holds. For a key held by an
  // outside CA, cfssl or an HSM the new CA must come from there, and kubepki has no stage for bringing it in yet;
  // refusing beats making the new key itself, in the tree, against what spec.pki.caKeys says.
  const caKeys = record(pki.caKeys);
  for (const [id, authority] of Object.entries(rotationFieldOf)) {
    const holder = caKeys[id];
    if (!(authority in record(pki.rotation)) || holder === undefined || holder === 'kubepki') continue;
    issues.push({
      code: 'rotation_of_key_held_elsewhere',
      path: `spec.pki.rotation.${authority}`,
      message: `is set but the ${id} key is held by ${quoteSpecValue(holder)} (spec.pki.caKeys.${id}): kubepki cannot create the new generation's key there, and will not create it in the tree instead (rotation of a CA whose key is held elsewhere is not supported). Remove pki.rotation.${authority} and rotate that CA where its key lives, or set spec.pki.caKeys.${id}: kubepki to rotate to a key kubepki holds`,
    });
  }
  issues.push(...caParentIssues(record(pki.caParents), caKeys, record(pki.rotation), 'external' in etcd));
  return issues;
}

const rotationFieldOf: Record<string, string> = {
  ca: 'clusterCA',
  'front-proxy-ca': 'frontProxyCA',
  'etcd-ca': 'etcdCA',
};

/**
 * An intermediate under an offline root is a CA whose key kubepki makes and keeps: it cannot also live in cfssl, an
 * HSM or an outside CA, and its rotation (a new intermediate signed by the root) is not staged by kubepki yet.
 */
function caParentIssues(parents: Raw, caKeys: Raw, rotation: Raw, externalEtcd: boolean): SpecIssue[] {
  const issues: SpecIssue[] = [];
  for (const id of Object.keys(parents)) {
    const path = `spec.pki.caParents.${id}`;
    const holder = caKeys[id];
    if (typeof holder === 'string' && holder !== 'kubepki') {
      issues.push({
        code: 'parent_with_key_elsewhere',
        path,
        message: `is set but spec.pki.caKeys.${id} is ${quoteSpecValue(holder)}: an intermediate's key is made and kept by kubepki; remove one of the two`,
      });
    }
    if (rotationFieldOf[id] && rotationFieldOf[id]! in rotation) {
      issues.push({
        code: 'parent_with_rotation',
        path,
        message: `is set together with spec.pki.rotation.${rotationFieldOf[id]}: rotating an intermediate under an offline root is not supported yet; finish the rotation first, or remove caParents.${id}`,
      });
    }
    if (id === 'etcd-ca' && externalEtcd) {
      issues.push({
        code: 'parent_without_authority',
        path,
        message: 'is set but etcd is external: kubepki holds no etcd CA; remove caParents.etcd-ca',
      });
    }
  }
  return issues;
}
