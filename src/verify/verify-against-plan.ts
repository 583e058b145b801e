import * as yaml from 'js-yaml';
import { bootstrapTokenPattern, keyAlgorithmOf, publicKeyPins } from '../crypto';
import { authoritiesOf, externalCaExchangeFiles, type CertificatePlan, type PkiPlan, type PlannedFile } from '../plan';
import { renderKubeadmConfig } from '../outputs';
import { actionableDrift, kubeconfigDrift, rbacFileHolds } from '../compare';
import { accessPolicyOf, checkExpectations, describeFailedExpectation } from '../access';
import type { Finding } from './finding';
import type { NodeMaterial } from './node-material';
import type { KubeadmTree, TreeFile } from './read-kubeadm-tree';
import { nodeNameOf } from './check-leaves';
import { checkRotationStage } from './check-rotation-stage';

/** Where each planned file is in the verified directory, and which node directory holds it. */
interface PlacedFile {
  planned: PlannedFile;
  path: string;
}

/**
 * The planned files as paths of this directory: as-is for a generated tree; for a single /etc/kubernetes, the files
 * of the plan node whose kubelet.conf identity (`system:node:<name>`) it carries, without the `<node>/` prefix.
 */
function placePlannedFiles(tree: KubeadmTree, materials: NodeMaterial[], plan: PkiPlan): PlacedFile[] | Finding {
  if (tree.layout === 'tree') return plan.files.map((planned) => ({ planned, path: planned.path }));
  const name = nodeNameOf(materials[0]!);
  const node = plan.nodes.find((n) => n.name === name);
  if (!node) {
    const known = plan.nodes.map((n) => n.name).join(', ');
    return {
      id: 'drift.unknown-node',
      file: 'kubelet.conf',
      severity: 'error',
      message: `cannot tell which node of the plan this directory is (kubelet.conf names ${name ? `"${name}"` : 'no node'}; the plan has ${known}): point verify at the output directory of kubepki generate, or at a node directory with its kubelet.conf`,
    };
  }
  const prefix = `${node.name}/`;
  return plan.files
    .filter((f) => f.path.startsWith(prefix))
    .map((planned) => ({ planned, path: planned.path.slice(prefix.length) }));
}

/** The tree's ca.crt (a control-plane node's first; a bundle during a rotation), whose CAs the join configurations pin. */
function clusterCaPem(
  plan: PkiPlan,
  placed: PlacedFile[],
  byPath: Map<string, { material: NodeMaterial; rel: string }>,
): string | undefined {
  const signer = authoritiesOf(plan).find((a) => a.authority === 'clusterCA')!.signer;
  for (const p of placed) {
    if (
      p.planned.content.kind !== 'certificate' ||
      p.planned.content.of !== signer ||
      !p.planned.path.endsWith('/pki/ca.crt')
    )
      continue;
    const where = byPath.get(p.path);
    if (where?.material.certificates.get(where.rel))
      return where.material.directory.files.get(where.rel)!.content.toString('utf8');
  }
  return undefined;
}

/** The parts of kubeadm's InitConfiguration and JoinConfiguration that carry a bootstrap token. */
interface KubeadmTokenHolder {
  bootstrapTokens?: { token?: unknown }[];
  discovery?: { bootstrapToken?: { token?: unknown } };
}

/** The token a kubeadm.yaml carries (InitConfiguration bootstrapTokens[0] or JoinConfiguration discovery). */
function tokenIn(text: string): string | undefined {
  try {
    for (const d of yaml.loadAll(text) as KubeadmTokenHolder[]) {
      const token = d?.bootstrapTokens?.[0]?.token ?? d?.discovery?.bootstrapToken?.token;
      if (typeof token === 'string') return token;
    }
  } catch {
    // unreadable YAML has its own finding (kubeadm.unreadable)
  }
  return undefined;
}

/**
 * A node's kubeadm.yaml against the plan: rendered again with the token it carries and the tree's CA pin, it must be
 * the same text; and its token must be the tree's bootstrap-token. Findings never quote the token.
 */
function kubeadmConfigDrift(
  plan: PkiPlan,
  node: string,
  file: TreeFile,
  tokenFile: TreeFile | undefined,
  caPem: string | undefined,
): Finding[] {
  const text = file.content.toString('utf8');
  const token = tokenIn(text);
  const findings: Finding[] = [];
  const config = plan.kubeadm!;
  const nodePlan = config.nodes.find((n) => n.node === node)!;
  if (token && caPem) {
    const expected = renderKubeadmConfig(config, nodePlan, {
      bootstrapToken: token,
      caCertHashes: publicKeyPins(caPem),
    });
    if (expected !== text) {
      findings.push({
        id: 'drift.kubeadm-config',
        file: file.path,
        severity: 'error',
        message: `${file.path} differs from the kubeadm configuration the spec implies (endpoint, SANs, networking, etcd, version, kubelet files or CA pin); kubepki generate rewrites it`,
      });
    }
  }
  const shared = tokenFile?.content.toString('utf8').trim();
  if (token && shared !== undefined && shared !== token) {
    findings.push({
      id: 'drift.bootstrap-token',
      file: file.path,
      severity: 'error',
      message: `${file.path} carries another bootstrap token than ${tokenFile!.path}: kubeadm join with it fails once kubeadm init created the other; run kubepki generate`,
    });
  }
  return findings;
}

/**
 * Compares the tree with the plan: planned files that are missing, files the plan does not have, and files whose
 * content says something else (certificate fields, kubeconfig endpoints and names, RBAC manifests, key algorithm);
 * then checks the spec's access expectations with the offline RBAC evaluator.
 */
export function verifyAgainstPlan(
  tree: KubeadmTree,
  materials: NodeMaterial[],
  plan: PkiPlan,
  specFile = '(spec)',
): Finding[] {
  const findings: Finding[] = [];
  const placed = placePlannedFiles(tree, materials, plan);
  if (!Array.isArray(placed)) return [placed];
  const actual = new Map<string, TreeFile>();
  for (const m of materials) for (const f of m.directory.files.values()) actual.set(f.path, f);
  for (const f of [...tree.rbac, ...tree.other]) actual.set(f.path, f);
  const byPath = new Map<string, { material: NodeMaterial; rel: string }>();
  for (const m of materials) for (const [rel, f] of m.directory.files) byPath.set(f.path, { material: m, rel });
  // Where the tree holds a certificate's CA, when it ends: no leaf can be issued past it.
  const issuerNotAfter = (certificate: CertificatePlan): Date | undefined => {
    const caFile = placed.find(
      (p) => p.planned.content.kind === 'certificate' && p.planned.content.of === certificate.issuer,
    );
    const where = caFile ? byPath.get(caFile.path) : undefined;
    return where?.material.certificates.get(where.rel)?.notAfter;
  };
  const issuerRetiring = (certificate: CertificatePlan): boolean =>
    plan.certificates.find((c) => c.id === certificate.issuer)?.retiring === true;

  const missingDirs = new Set<string>();
  if (tree.layout === 'tree') {
    for (const node of plan.nodes)
      if (!materials.some((m) => m.directory.name === node.name)) missingDirs.add(node.name);
    for (const dir of missingDirs) {
      const count = placed.filter((p) => p.path.startsWith(`${dir}/`)).length;
      findings.push({
        id: 'drift.missing',
        file: `${dir}/`,
        severity: 'error',
        message: `${dir}/ is missing: the plan has node ${dir} with ${count} files; run kubepki generate`,
      });
    }
  }
  const plannedPaths = new Set(placed.map((p) => p.path));
  // Files that are there but unreadable already carry their own error.
  const unreadable = new Set(tree.problems.map((f) => f.file));
  for (const { planned, path } of placed) {
    if (missingDirs.has(path.split('/')[0]!)) continue;
    const file = actual.get(path);
    if (
      !file &&
      planned.content.kind === 'private-key' &&
      plan.certificates.find((c) => c.id === planned.content.of)?.isCa &&
      actual.has(path.replace(/\.key$/, '.crt'))
    ) {
      // kubeadm's external CA mode, which realizeLocal keeps: the CA certificate is here, its key elsewhere.
      findings.push({
        id: 'ca.external',
        file: path,
        severity: 'info',
        message: `${path} is absent: the ${planned.content.of} CA is external; certificates it signs cannot be renewed from this tree`,
      });
      continue;
    }
    if (!file && unreadable.has(path)) continue;
    if (!file) {
      findings.push({
        id: 'drift.missing',
        file: path,
        severity: 'error',
        message: `${path} is in the plan (${planned.content.kind} of ${planned.content.of}) but missing; run kubepki generate`,
      });
      continue;
    }
    if (file.mode !== planned.mode && !(planned.mode === 0o600 && (file.mode & 0o077) !== 0)) {
      findings.push({
        id: 'drift.mode',
        file: path,
        severity: 'info',
        message: `${path} has mode 0${file.mode.toString(8)}; the plan writes 0${planned.mode.toString(8)}`,
      });
    }
    const where = byPath.get(path);
    const { kind, of } = planned.content;
    if (kind === 'certificate' && where) {
      const certificate = where.material.certificates.get(where.rel);
      const certificatePlan = plan.certificates.find((c) => c.id === of);
      const drift =
        certificate && certificatePlan
          ? actionableDrift(
              certificatePlan,
              certificate,
              issuerNotAfter(certificatePlan),
              issuerRetiring(certificatePlan),
            )
          : [];
      if (drift.length > 0) {
        findings.push({
          id: 'drift.certificate',
          file: path,
          severity: 'error',
          message: `${path} differs from the plan (${of}): ${drift.map((d) => d.message).join('; ')}; kubepki generate reissues it`,
        });
      }
    }
    if (kind === 'kubeconfig' && where) {
      const loaded = where.material.kubeconfigs.get(where.rel);
      const kubeconfigPlan = plan.kubeconfigs.find((k) => k.id === of)!;
      const certificatePlan = plan.certificates.find((c) => c.id === kubeconfigPlan.certificate)!;
      if (loaded) {
        const changes = kubeconfigDrift(kubeconfigPlan, loaded.kubeconfig);
        if (changes.length > 0)
          findings.push({
            id: 'drift.kubeconfig',
            file: path,
            severity: 'error',
            message: `${path} differs from the plan: ${changes.join('; ')}`,
          });
        const drift = loaded.clientCertificate
          ? actionableDrift(
              certificatePlan,
              loaded.clientCertificate,
              issuerNotAfter(certificatePlan),
              issuerRetiring(certificatePlan),
            )
          : [];
        if (drift.length > 0) {
          findings.push({
            id: 'drift.certificate',
            file: path,
            severity: 'error',
            message: `${path}'s client certificate differs from the plan (${of}): ${drift.map((d) => d.message).join('; ')}`,
          });
        }
      }
    }
    // The sa key a rotation is replacing is taken as it is (its algorithm may be what the rotation changes).
    const pair = plan.keyPairs.find((k) => k.id === of && !k.retiring);
    if ((kind === 'public-key' || kind === 'private-key') && pair && where) {
      const key = where.rel.endsWith('.pub')
        ? where.material.publicKeys.get(where.rel)
        : where.material.keys.get(where.rel)?.privateKey;
      const algorithm = key ? keyAlgorithmOf(key) : undefined;
      const plannedAlgorithm = pair.algorithm;
      if (key && algorithm !== plannedAlgorithm) {
        findings.push({
          id: 'drift.key',
          file: path,
          severity: 'error',
          message: `${path} holds a ${algorithm ?? 'unsupported'} key; the plan's sa key is ${plannedAlgorithm} (replacing it invalidates every service-account token)`,
        });
      }
    }
    if (kind === 'kubeadm-config')
      findings.push(
        ...kubeadmConfigDrift(plan, of, file, actual.get('bootstrap-token'), clusterCaPem(plan, placed, byPath)),
      );
    if (kind === 'bootstrap-token' && !bootstrapTokenPattern.test(file.content.toString('utf8').trim())) {
      findings.push({
        id: 'drift.bootstrap-token',
        file: path,
        severity: 'error',
        message: `${path} is not a bootstrap token ([a-z0-9]{6}.[a-z0-9]{16}): kubeadm init and join reject it; delete it and run kubepki generate`,
      });
    }
    if (kind === 'manifest') {
      const rbacFile = plan.rbac.find((r) => r.path === of)!;
      // By content, as generate judges it: a comment or a reordered key is not drift.
      if (!rbacFileHolds(rbacFile, file.content.toString('utf8'))) {
        findings.push({
          id: 'drift.rbac',
          file: path,
          severity: 'error',
          message: `${path} differs from the RBAC objects the spec implies; kubepki generate rewrites it`,
        });
      }
    }
  }
  findings.push(...checkRotationStage(plan, placed, (path) => actual.get(path)?.content.toString('utf8')));
  // kubeadm's external-CA exchange (CSRs, returned kubeconfig certificates) is part of a tree an outside CA signs.
  const exchangeFiles = externalCaExchangeFiles(plan);
  for (const path of [...actual.keys()].sort()) {
    if (plannedPaths.has(path) || exchangeFiles.has(path)) continue;
    findings.push({
      id: 'drift.extra',
      file: path,
      severity: 'warning',
      message: `${path} is not in the plan: left over from an earlier spec, or put there by hand; remove it if nothing uses it`,
    });
  }
  const policy = accessPolicyOf(plan);
  for (const result of checkExpectations(plan, policy)) {
    if (!result.passed)
      findings.push({
        id: 'access.expectation',
        file: specFile,
        severity: 'error',
        message: describeFailedExpectation(result),
      });
  }
  return findings;
}
