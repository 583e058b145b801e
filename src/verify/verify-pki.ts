import type { PkiPlan } from '../plan';
import { sortFindings, type Finding } from './finding';
import type { NodeMaterial } from './node-material';
import { loadKubeadmTree } from './load-kubeadm-tree';
import type { KubeadmCaName } from './kubeadm-pki-catalog';
import type { LocatedCertificate, VerifyContext } from './verify-context';
import { checkCas } from './check-cas';
import { checkLeaves } from './check-leaves';
import { checkKubeconfigs } from './check-kubeconfigs';
import { checkFileModes, checkMissingFiles, checkServiceAccountKey, checkWorkerCredentials } from './check-node-files';
import { referenceCas } from './reference-copies';
import { checkTreeConsistency } from './check-tree-consistency';
import { checkKubeletServing } from './check-kubelet-serving';
import { verifyAgainstPlan } from './verify-against-plan';
import { checkExternalCaExchange } from './check-external-ca';
import { checkIntermediates } from './check-intermediates';
import { ParsedCertificate } from '../crypto';

/** Options of {@link verifyPki}. */
export interface VerifyPkiOptions {
  /** Also compare the tree with this plan (drift) and check the plan's access expectations. */
  plan?: PkiPlan;
  /** The file the plan came from, named by expectation findings. @default "(spec)" */
  specFile?: string;
  /** The clock for expiry checks. @default new Date() */
  now?: Date;
  /** Certificates expiring within this many days get a warning. @default 30 */
  expiryWindowDays?: number;
  /** The offline roots (PEM) of the plan's intermediate CAs, by CA id: their chains are checked. */
  parentCertificates?: ReadonlyMap<string, string>;
}

function locate(material: NodeMaterial, rel: string): LocatedCertificate | undefined {
  const certificate = material.certificates.get(rel);
  return certificate ? { file: `${material.directory.prefix}${rel}`, certificate } : undefined;
}

/**
 * Verifies a kubeadm PKI directory — one /etc/kubernetes (written by kubeadm or kubepki) or the node directories of
 * `kubepki generate --out` — and returns every finding, errors first: chains to the right CA and no other, key/cert
 * match, kubeadm's CN/O/EKU/SAN rules, CA separation, no signing leaves, kubeconfig CA data and servers, sa key pair,
 * file modes, expiry; with a plan also drift and access expectations. Never throws for a bad tree.
 */
export function verifyPki(dir: string, options: VerifyPkiOptions = {}): Finding[] {
  const findings: Finding[] = [];
  const loaded = loadKubeadmTree(dir, findings, options.plan);
  if (!loaded) return findings;
  const { tree, materials } = loaded;
  // The copy most nodes agree on (on a tie, the one the leaves chain to) is the reference every node is judged by.
  const references = referenceCas(materials);
  const cas = new Map<KubeadmCaName, LocatedCertificate>(
    [...references].map(([name, r]) => [name, { file: r.file, certificate: r.certificate }]),
  );
  const clusterCa = cas.get('ca');
  const context: VerifyContext = {
    now: options.now ?? new Date(),
    expiryWindowDays: options.expiryWindowDays ?? 30,
    ...(clusterCa ? { clusterCa } : {}),
    cas,
    apiservers: materials
      .map((m) => locate(m, 'pki/apiserver.crt'))
      .filter((c): c is LocatedCertificate => c !== undefined),
    ...(options.plan ? { plan: options.plan } : {}),
    ...(options.parentCertificates
      ? {
          parentCertificates: new Map(
            [...options.parentCertificates].map(([id, pem]) => [id, ParsedCertificate.fromPem(pem)]),
          ),
        }
      : {}),
  };
  for (const material of materials) {
    findings.push(...checkCas(material, context));
    findings.push(...checkIntermediates(material, context));
    findings.push(...checkLeaves(material, context));
    findings.push(...checkKubeletServing(material, context));
    findings.push(...checkKubeconfigs(material, context));
    findings.push(...checkFileModes(material));
    findings.push(...checkWorkerCredentials(material));
    findings.push(...checkServiceAccountKey(material));
    findings.push(...checkExternalCaExchange(material));
    // With a plan, drift names missing files with certainty; without one they are only kubeadm's defaults.
    if (!options.plan) findings.push(...checkMissingFiles(material));
  }
  findings.push(...checkTreeConsistency(materials, references));
  if (options.plan) findings.push(...verifyAgainstPlan(tree, materials, options.plan, options.specFile));
  const unique = new Map(findings.map((f) => [`${f.id}\n${f.file}\n${f.message}`, f]));
  return sortFindings([...unique.values()]);
}
