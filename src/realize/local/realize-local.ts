import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PkiPlan, PlannedFile } from '../../plan';
import type { KeyPool } from '../../crypto';
import { rbacFileHolds } from '../../compare';
import { renderPlannedFile, renderRbacFile, sameKubeconfig, type PkiMaterial } from '../../outputs';
import { plannedDirectories, plannedDirectoryMode, readExistingTree, type ExistingFile } from './existing-tree';
import { reconcileMaterial, type CertificateDecision, type MaterialDecisions } from './reconcile-material';
import { materialize } from './materialize';
import { RealizeError } from './realize-error';
import { ensureDirectory, writeFileAtomic } from './atomic-write';

/** `stale`: on disk but no longer planned (left alone); `removed`: the same, deleted by --prune. */
export type FileAction = 'created' | 'kept' | 'reissued' | 'updated' | 'external' | 'stale' | 'removed';

/** One line of `kubepki generate`'s output. Reasons name changed properties, never key material. */
export interface FileChange {
  path: string;
  action: FileAction;
  reason?: string;
}

export interface RealizeReport {
  changes: FileChange[];
  /** Keys generated in this run (0 on a no-op re-run). */
  generatedKeys: number;
  dryRun: boolean;
}

export interface RealizeOptions {
  /** Decide and report, write nothing, generate no key. */
  dryRun?: boolean;
  /** The clock for NotBefore/NotAfter and expiry checks. @default new Date() */
  now?: Date;
  /** Keys already generating (see KeyPool); taken before generating new ones. */
  keyPool?: KeyPool;
  /** Delete files the plan no longer names (a removed user's kubeconfig, a moved super-admin.conf). @default false */
  prune?: boolean;
}

/**
 * Reconciles a plan against a directory as kubeadm does with /etc/kubernetes — reuse what still matches, issue what
 * is missing, reissue what changed, never replace a CA — and writes each changed file atomically. Every problem is
 * found before the first write; on any, RealizeError is thrown and the directory is untouched.
 */
export async function realizeLocal(plan: PkiPlan, dir: string, options: RealizeOptions = {}): Promise<RealizeReport> {
  const now = options.now ?? new Date();
  const tree = readExistingTree(plan, dir);
  if (tree.problems.length > 0) throw new RealizeError(tree.problems);
  const existing = tree.files;
  const { decisions, problems } = reconcileMaterial(plan, existing, now);
  if (problems.length > 0) throw new RealizeError(problems);
  const directoryFixes = [...tree.directoryModes].filter(([rel, mode]) => mode !== plannedDirectoryMode(rel));
  const leftovers = (): FileChange[] => [
    ...directoryFixes.map(([rel, mode]): FileChange => ({ path: `${rel}/`, action: 'updated', reason: `mode ${mode.toString(8)} → ${plannedDirectoryMode(rel).toString(8)}` })),
    ...tree.stale.map((rel): FileChange => ({ path: rel, action: options.prune ? 'removed' : 'stale', reason: 'not in the plan' })),
  ];

  if (options.dryRun) {
    const changes = plan.files.map((file) => describeChange(plan, file, decisions, existing, keptMaterial(decisions)));
    return { changes: [...changes, ...leftovers()], generatedKeys: 0, dryRun: true };
  }

  const materializing = materialize(plan, decisions, now, options.keyPool);
  // The manifests need no key: render the ones that changed while the thread pool generates keys.
  for (const file of plan.rbac) if (!rbacFileHolds(file, existing.get(file.path)?.content.toString('utf8') ?? '')) renderRbacFile(file);
  const { material, generatedKeys } = await materializing;
  const changes: FileChange[] = [];
  const writes: { file: PlannedFile; content: string }[] = [];
  for (const file of plan.files) {
    const change = describeChange(plan, file, decisions, existing, material);
    changes.push(change);
    if (change.action !== 'kept' && change.action !== 'external') writes.push({ file, content: renderPlannedFile(plan, file, material) });
  }
  writeFiles(dir, plan, writes);
  for (const [rel] of directoryFixes) fs.chmodSync(path.join(dir, rel), plannedDirectoryMode(rel));
  if (options.prune) for (const rel of tree.stale) fs.rmSync(path.join(dir, rel), { force: true });
  return { changes: [...changes, ...leftovers()], generatedKeys, dryRun: false };
}

/** Material that exists already (for a dry run, which generates nothing). */
function keptMaterial(decisions: MaterialDecisions): PkiMaterial {
  const material: PkiMaterial = { certificates: new Map(), privateKeys: new Map(), publicKeys: new Map() };
  for (const [id, d] of decisions.certificates) {
    if (d.action === 'keep' && d.certificatePem) material.certificates.set(id, d.certificatePem);
    // A reissued certificate usually keeps its key: that key file stays as it is.
    if (d.keyPem) material.privateKeys.set(id, d.keyPem);
  }
  const sa = decisions.serviceAccountKey;
  if (sa.keyPem) material.privateKeys.set('sa', sa.keyPem);
  if (sa.key) material.publicKeys.set('sa', sa.publicKeyPem ?? sa.key.publicKeyPem());
  return material;
}

function sourceDecisions(plan: PkiPlan, file: PlannedFile, decisions: MaterialDecisions): CertificateDecision[] {
  const own = decisions.certificates.get(file.content.of);
  if (file.content.kind !== 'kubeconfig') return own ? [own] : [];
  return [own!, decisions.certificates.get('ca')!];
}

function describeChange(plan: PkiPlan, file: PlannedFile, decisions: MaterialDecisions, existing: Map<string, ExistingFile>, material: PkiMaterial): FileChange {
  const { kind, of } = file.content;
  if (kind === 'private-key' && of !== 'sa' && !decisions.certificates.get(of)?.keyPem && decisions.certificates.get(of)?.action === 'keep') {
    return { path: file.path, action: 'external', reason: 'CA key kept outside this tree (external CA mode)' };
  }
  const current = existing.get(file.path);
  if (!current) return { path: file.path, action: 'created' };
  const sources = sourceDecisions(plan, file, decisions);
  const own = sources[0];
  if (own && own.action === 'reissue') {
    if (kind !== 'private-key' || !own.reuseKey) return { path: file.path, action: 'reissued', reason: own.reasons.join('; ') };
  }
  if (kind === 'manifest' && current.mode === file.mode && rbacFileHolds(plan.rbac.find((f) => f.path === of)!, current.content.toString('utf8'))) {
    return { path: file.path, action: 'kept' };
  }
  let desired: string | undefined;
  try {
    desired = renderPlannedFile(plan, file, material);
  } catch {
    desired = undefined; // material not generated (dry run): the decision above already said what happens
  }
  const currentText = current.content.toString('utf8');
  const sameContent = desired !== undefined && (desired === currentText || (kind === 'kubeconfig' && sameKubeconfig(desired, currentText)));
  if (sameContent && current.mode === file.mode) return { path: file.path, action: 'kept' };
  if (sameContent) return { path: file.path, action: 'updated', reason: `mode ${current.mode.toString(8)} → ${file.mode.toString(8)}` };
  return { path: file.path, action: 'updated', reason: kind === 'kubeconfig' ? 'server, names or CA data changed' : 'content changed' };
}


// Keys before certificates before kubeconfigs: a run killed half-way never leaves a certificate whose key is lost.
const writeOrder: Record<PlannedFile['content']['kind'], number> = { 'private-key': 0, 'public-key': 1, certificate: 1, kubeconfig: 2, manifest: 2 };

function writeFiles(dir: string, plan: PkiPlan, writes: { file: PlannedFile; content: string }[]): void {
  if (writes.length === 0) return;
  if (!fs.existsSync(dir)) ensureDirectory(dir, 0o755);
  for (const rel of plannedDirectories(plan)) {
    const full = path.join(dir, rel);
    if (!fs.existsSync(full)) ensureDirectory(full, plannedDirectoryMode(rel));
  }
  const ordered = [...writes].sort((a, b) => writeOrder[a.file.content.kind] - writeOrder[b.file.content.kind]);
  for (const { file, content } of ordered) writeFileAtomic(path.join(dir, file.path), content, file.mode);
}
