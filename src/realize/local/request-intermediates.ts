import * as path from 'node:path';
import type { CertificatePlan, PkiPlan, PlannedFile } from '../../plan';
import {
  KeyPair,
  ParsedCertificationRequest,
  createCertificationRequest,
  type KeyPool,
  type ParsedCertificate,
} from '../../crypto';
import { decideCertificateAuthority } from './decide-certificate-authority';
import { ExistingMaterial } from './existing-material';
import type { FileChange } from './describe-change';
import type { TreeChange } from './commit-change';
import type { TreeProblem } from './realize-error';
import type { TreeFile } from './read-output-tree';

/** An intermediate CA waiting for its offline root: where its CSR is and where the signed certificate goes. */
export interface AwaitingSignature {
  ca: string;
  /** The CSR to sign, relative to the output directory (one control-plane node's copy; every copy is the same). */
  csr: string;
  /** Where to place the certificate the root signed back (any one control-plane node; generate copies it). */
  certificate: string;
  /** The root's certificate file, as the spec names it. */
  root: string;
}

/** The intermediate CAs of the plan whose certificate is on no control-plane node yet: the root has not signed them. */
export function pendingIntermediates(plan: PkiPlan, files: ReadonlyMap<string, TreeFile>): CertificatePlan[] {
  return plan.certificates.filter(
    (c) =>
      c.parent !== undefined &&
      !plan.files.some((f) => f.content.kind === 'certificate' && f.content.of === c.id && files.has(f.path)),
  );
}

const filesOf = (plan: PkiPlan, kind: PlannedFile['content']['kind'], id: string) =>
  plan.files.filter((f) => f.content.kind === kind && f.content.of === id);

/**
 * The intermediate's CSR: the copy on disk while it still asks for this key and CN (so re-runs rewrite nothing and
 * the root may sign any copy), else a new one, requesting CA:TRUE with the plan's pathLen, keyCertSign and name
 * constraints (front-proxy-ca's).
 */
export async function intermediateRequest(
  existing: ExistingMaterial,
  ca: CertificatePlan,
  key: KeyPair,
): Promise<ParsedCertificationRequest> {
  const copy = existing.sharedCopy(existing.filesOf('certification-request', ca.id), `the ${ca.id} CSR`);
  if (copy) {
    try {
      const request = ParsedCertificationRequest.fromPem(copy.text);
      if (
        request.pem === copy.text &&
        request.commonName === ca.subject.commonName &&
        request.publicKeyDer().equals(key.publicKeyDer()) &&
        request.requestsNameConstraints(ca.nameConstraints) &&
        (await request.verifySignature())
      )
        return request;
    } catch {
      // an unreadable or foreign CSR is replaced by one for the key
    }
  }
  const pem = await createCertificationRequest(key, {
    commonName: ca.subject.commonName,
    organizations: ca.subject.organizations,
    caPathLength: ca.pathLength ?? 0,
    nameConstraints: ca.nameConstraints,
    keyUsages: ca.keyUsages,
  });
  return ParsedCertificationRequest.fromPem(pem);
}

/** What the CSR stage of a run writes and reports. */
export interface IntermediateRequests {
  change: TreeChange;
  changes: FileChange[];
  awaiting: AwaitingSignature[];
  generatedKeys: number;
  problems: TreeProblem[];
}

/**
 * The first half of the exchange with an offline root. For each intermediate whose signed certificate is not in the
 * tree: its key (the one already on disk, else a new one) on every control-plane node and its CSR beside it. Nothing
 * else is issued until the root signed: every leaf of the tree needs its CA's certificate.
 */
export async function requestIntermediates(
  plan: PkiPlan,
  files: ReadonlyMap<string, TreeFile>,
  pending: CertificatePlan[],
  roots: ReadonlyMap<string, ParsedCertificate>,
  generate: boolean,
  keyPool?: KeyPool,
): Promise<IntermediateRequests> {
  const existing = new ExistingMaterial(plan, files);
  // An intermediate already signed back is checked now, while others still wait: a wrong one is refused at once.
  for (const ca of plan.certificates.filter((c) => c.parent !== undefined && !pending.includes(c)))
    decideCertificateAuthority(ca, existing, undefined, roots.get(ca.id));
  const writes: { path: string; content: string; mode: number }[] = [];
  const changes: FileChange[] = [];
  const awaiting: AwaitingSignature[] = [];
  let generatedKeys = 0;
  for (const ca of pending) {
    const keyFiles = filesOf(plan, 'private-key', ca.id);
    const copy = existing.sharedCopy(keyFiles, `the ${ca.id} key`);
    if (copy === null) continue;
    const found = copy ? existing.key(copy.text, copy.path) : undefined;
    if (copy && !found) continue;
    if (found && found.pair.algorithm !== ca.algorithm) {
      existing.problems.push({
        path: copy!.path,
        code: 'ca-change',
        message: `is ${found.pair.algorithm} but the spec asks for ${ca.algorithm}: set spec.pki.encryptionAlgorithm: ${found.pair.algorithm}, or remove it (and ${ca.id}'s CSR) to request a new intermediate`,
      });
      continue;
    }
    const csrFiles = filesOf(plan, 'certification-request', ca.id);
    const certificateFile = filesOf(plan, 'certificate', ca.id)[0]!.path;
    awaiting.push({ ca: ca.id, csr: csrFiles[0]!.path, certificate: certificateFile, root: ca.parent! });
    if (!generate) {
      for (const file of [...keyFiles, ...csrFiles])
        changes.push(
          files.has(file.path) ? { path: file.path, action: 'kept' } : { path: file.path, action: 'created' },
        );
      if (!found) generatedKeys++;
      continue;
    }
    let key = found?.pair;
    if (!key) {
      key = keyPool ? await keyPool.take(ca.algorithm) : await KeyPair.generate(ca.algorithm);
      generatedKeys++;
    }
    const keyText = found?.pem ?? key.toPem();
    const request = await intermediateRequest(existing, ca, key);
    for (const [file, content] of [
      ...keyFiles.map((f) => [f, keyText] as const),
      ...csrFiles.map((f) => [f, request.pem] as const),
    ]) {
      const current = files.get(file.path);
      if (current && current.content.toString('utf8') === content && current.mode === file.mode) {
        changes.push({ path: file.path, action: 'kept' });
        continue;
      }
      changes.push({
        path: file.path,
        action: current ? 'updated' : 'created',
        ...(current ? { reason: file.content.kind === 'private-key' ? 'mode' : 'a CSR for the key on disk' } : {}),
      });
      writes.push({ path: file.path, content, mode: file.mode });
    }
  }
  return {
    change: { writes, chmods: [], removals: [] },
    changes,
    awaiting,
    generatedKeys,
    problems: existing.problems,
  };
}

/** The directories a CSR stage writes into: each key's and CSR's, parents first. */
export function requestDirectories(change: TreeChange): string[] {
  const directories = new Set<string>();
  for (const write of change.writes) {
    const parts = path.dirname(write.path).split('/');
    for (let i = 1; i <= parts.length; i++) directories.add(parts.slice(0, i).join('/'));
  }
  return [...directories].sort();
}
