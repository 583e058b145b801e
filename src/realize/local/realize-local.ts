import * as fs from 'node:fs';
import * as path from 'node:path';
import { authoritiesOf, type PkiPlan } from '../../plan';
import { publicKeyPins, type CertificateSigner, type KeyPool, type ParsedCertificate } from '../../crypto';
import { clusterTrustBundle, keepChosenContext, renderPlannedFile, type PkiMaterial } from '../../outputs';
import { plannedDirectories, plannedDirectoryMode, readOutputTree, type OutputTree } from './read-output-tree';
import { decideMaterial } from './decide-material';
import { keptMaterial, produceMaterial, type SigningContext } from './produce-material';
import { gatherExternalMaterial } from './external-material';
import { describeChange, type FileChange } from './describe-change';
import { RealizeError } from './realize-error';
import type { MaterialDecisions } from './material-decisions';
import { ensureOutputDirectory, preflightChange } from './preflight';
import { OutputLock } from './output-lock';
import { commitChange, completeInterruptedChange, hasPendingJournal, removeTemporaries, type TreeChange } from './commit-change';
import { WriteCounter } from './write-counter';
import { locateAuthorities } from '../../compare';
import { decideBootstrapToken } from './decide-bootstrap-token';

export type { FileAction, FileChange } from './describe-change';

export interface RealizeReport {
  changes: FileChange[];
  /** Keys generated in this run (0 on a no-op re-run). */
  generatedKeys: number;
  dryRun: boolean;
}

export interface RealizeOptions {
  /** Decide and report, write nothing, generate no key, take no lock. */
  dryRun?: boolean;
  /** The clock for NotBefore/NotAfter and expiry checks. @default new Date() */
  now?: Date;
  /** Keys already generating (see KeyPool); taken before generating new ones. */
  keyPool?: KeyPool;
  /** Delete files the plan no longer names (a removed user's kubeconfig, a moved super-admin.conf). @default false */
  prune?: boolean;
  /** How long to wait for another run writing the same directory before giving up. @default 60000 */
  lockWaitMs?: number;
  /** Told once when another run holds the directory and this one starts waiting. */
  onLockWait?: (holder: string) => void;
  /** Signers of the CAs whose keys kubepki does not hold (spec.pki.caKeys: cfssl, hsm), by CA id. */
  signers?: ReadonlyMap<string, CertificateSigner>;
  /** Users' CSRs (PEM) by certificate id (`users/alice.conf`), for users whose spec names a csr. */
  certificationRequests?: ReadonlyMap<string, string>;
  /**
   * The bootstrap token the kubeadm configurations carry (`[a-z0-9]{6}.[a-z0-9]{16}`). Replaces the one in
   * `bootstrap-token`. @default the token already in `bootstrap-token`, else a new random one
   */
  bootstrapToken?: string;
  /** Leaf certificate ids to reissue now with their existing keys, as `kubeadm certs renew` does. @default none */
  renew?: readonly string[];
}

/** Generous: an RSA-4096 key is ~3.3 KiB of PEM, a kubeconfig embedding one ~8 KiB. */
const bytesPerFile = 16 * 1024;

/**
 * Reconciles a plan against a directory as kubeadm does with /etc/kubernetes — reuse what still matches, issue what
 * is missing, reissue what changed, never replace a CA — as a pipeline: lock the directory, complete an interrupted
 * run's committed change and remove its staged files, read the tree (never through a link), decide (data), preflight
 * the file system, produce the keys and certificates, commit the whole change at once (see commitChange). Every
 * problem in the tree is found before anything is written; on any, RealizeError is thrown and the tree is untouched.
 */
export async function realizeLocal(plan: PkiPlan, dir: string, options: RealizeOptions = {}): Promise<RealizeReport> {
  const now = options.now ?? new Date();
  if (options.dryRun) {
    const tree = readOutputTree(plan, dir);
    const context = await signingContext(plan, tree, now, options);
    const decided = decide(plan, dir, tree, now, options, context);
    const { decisions } = decided;
    const pending: FileChange[] = tree.pendingJournal ? [{ path: '.kubepki-journal', action: 'updated', reason: 'an interrupted run committed a change; generate completes it first' }] : [];
    return { changes: [...pending, ...changesOf(plan, tree, decisions, withJoinSecrets(plan, keptMaterial(decisions, context), decided), options)], generatedKeys: keysToGenerate(decisions), dryRun: true };
  }

  ensureOutputDirectory(dir);
  const lock = await OutputLock.acquire(dir, options.lockWaitMs ?? 60_000, options.onLockWait);
  try {
    const counter = new WriteCounter();
    const recovered = hasPendingJournal(dir) ? completeInterruptedChange(dir, counter) : [];
    const tree = readOutputTree(plan, dir);
    if (tree.problems.length === 0) removeTemporaries(dir, tree.temporaries, counter);
    const leftovers: FileChange[] = [
      ...recovered.map((rel): FileChange => ({ path: rel, action: 'updated', reason: 'completed the change an interrupted run committed' })),
      ...tree.temporaries.map((rel): FileChange => ({ path: rel, action: 'removed', reason: 'staged by an interrupted run' })),
    ];
    const context = await signingContext(plan, tree, now, options);
    const decided = decide(plan, dir, tree, now, options, context);
    const { decisions } = decided;

    // Which files change is known from the decisions alone: check the file system before generating any key.
    const expected = changesOf(plan, tree, decisions, withJoinSecrets(plan, keptMaterial(decisions, context), decided), options);
    const writing = expected.filter((c) => c.action !== 'kept' && c.action !== 'external' && c.action !== 'stale' && c.action !== 'removed' && !c.path.endsWith('/'));
    if (writing.length > 0) {
      const missing = plannedDirectories(plan).filter((rel) => !tree.directoryModes.has(rel));
      preflightChange(
        dir,
        missing.map((rel) => ({ path: rel, mode: plannedDirectoryMode(rel) })),
        [...new Set(writing.map((c) => path.dirname(c.path)))],
        writing.length * bytesPerFile,
      );
    }

    const produced = await produceMaterial(plan, decisions, now, options.keyPool, context);
    const { generatedKeys } = produced;
    const material = withJoinSecrets(plan, produced.material, decided);
    const changes = changesOf(plan, tree, decisions, material, options);
    commitChange(dir, treeChangeOf(plan, tree, changes, material, options), counter);
    return { changes: [...leftovers, ...changes], generatedKeys, dryRun: false };
  } finally {
    await lock.release();
  }
}

/** The keys a real run would generate: `--dry-run` counts them as the run would. */
function keysToGenerate(decisions: MaterialDecisions): number {
  const certificateKeys = [...decisions.certificates.values()].filter((d) => d.action !== 'keep' && !d.key).length;
  return certificateKeys + (decisions.serviceAccountKey.action === 'create' ? 1 : 0);
}

/** CA certificates from the signers that hold CA keys, and checked user CSRs: before any decision, all or nothing. */
async function signingContext(plan: PkiPlan, tree: OutputTree, now: Date, options: RealizeOptions): Promise<SigningContext & { caCertificates: Map<string, ParsedCertificate> }> {
  if (tree.problems.length > 0) throw new RealizeError([...tree.problems]);
  const signers = options.signers ?? new Map<string, CertificateSigner>();
  const external = await gatherExternalMaterial(plan, tree.files, signers, options.certificationRequests ?? new Map(), now);
  if (external.problems.length > 0) throw new RealizeError(external.problems);
  return { signers, certificationRequests: external.certificationRequests, caCertificates: external.caCertificates };
}

/** The decisions about keys and certificates, and the bootstrap token (kept, supplied or new). */
interface Decided {
  decisions: MaterialDecisions;
  bootstrapToken?: string;
}

function decide(plan: PkiPlan, dir: string, tree: OutputTree, now: Date, options: RealizeOptions, context: SigningContext & { caCertificates: Map<string, ParsedCertificate> }): Decided {
  if (tree.problems.length > 0) throw new RealizeError([...tree.problems]);
  // Once rotated, an authority may sit in files the previous stage wrote and this one no longer plans. A
  // never-rotated plan still looks: a tree already at a later generation means the spec went back.
  const located = locateAuthorities(plan, (rel) => tree.files.get(rel)?.content.toString('utf8') ?? readLeftover(dir, rel, tree.stale));
  if (located.problems.length > 0) throw new RealizeError(located.problems);
  const { decisions, problems } = decideMaterial(
    plan,
    tree.files,
    now,
    { ...context, signedElsewhere: new Set(context.signers.keys()) },
    new Set(options.renew ?? []),
    plan.authorities ? located : undefined,
  );
  const token = decideBootstrapToken(plan, tree.files, options.bootstrapToken);
  problems.push(...token.problems);
  if (problems.length > 0) throw new RealizeError(problems);
  return { decisions, ...(token.token ? { bootstrapToken: token.token } : {}) };
}

/** Adds what the kubeadm configurations need beyond keys and certificates: the token and the CAs' public-key pins. */
function withJoinSecrets(plan: PkiPlan, material: PkiMaterial, decided: Decided): PkiMaterial {
  // During a cluster-CA rotation joins pin every generation ca.crt trusts, so discovery works with either.
  const trusted = authoritiesOf(plan).find((a) => a.authority === 'clusterCA')!.trusted;
  const bundle = trusted.every((id) => material.certificates.has(id)) ? clusterTrustBundle(plan, material) : undefined;
  return { ...material, ...(decided.bootstrapToken ? { bootstrapToken: decided.bootstrapToken } : {}), ...(bundle ? { caCertHashes: publicKeyPins(bundle) } : {}) };
}

/** A file of the tree the plan no longer names (a previous rotation stage's), read only if it is a regular file. */
function readLeftover(dir: string, rel: string, stale: readonly string[]): string | undefined {
  if (!stale.includes(rel)) return undefined;
  const full = path.join(dir, rel);
  try {
    return fs.lstatSync(full).isFile() ? fs.readFileSync(full, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

/** One line per planned file, then directory modes to fix and files the plan no longer names. */
function changesOf(plan: PkiPlan, tree: OutputTree, decisions: MaterialDecisions, material: PkiMaterial, options: RealizeOptions): FileChange[] {
  return [
    ...plan.files.map((file) => describeChange(plan, file, decisions, tree.files.get(file.path), material)),
    ...[...tree.directoryModes]
      .filter(([rel, mode]) => mode !== plannedDirectoryMode(rel))
      .map(([rel, mode]): FileChange => ({ path: `${rel}/`, action: 'updated', reason: `mode ${mode.toString(8)} → ${plannedDirectoryMode(rel).toString(8)}` })),
    ...tree.stale.map((rel): FileChange => ({ path: rel, action: options.prune ? 'removed' : 'stale', reason: 'not in the plan' })),
  ];
}

// Keys before certificates before kubeconfigs: the journal applies renames in this order.
const writeOrder = { 'private-key': 0, 'bootstrap-token': 0, 'public-key': 1, certificate: 1, kubeconfig: 2, manifest: 2, 'kubeadm-config': 2, 'csr-manifest': 2 } as const;

function treeChangeOf(plan: PkiPlan, tree: OutputTree, changes: FileChange[], material: PkiMaterial, options: RealizeOptions): TreeChange {
  const planned = new Map(plan.files.map((f) => [f.path, f]));
  const writes = changes
    .filter((c) => planned.has(c.path) && (c.action === 'created' || c.action === 'reissued' || c.action === 'updated'))
    .map((c) => planned.get(c.path)!)
    .sort((a, b) => writeOrder[a.content.kind] - writeOrder[b.content.kind])
    .map((file) => {
      const content = renderPlannedFile(plan, file, material);
      // Which planned context is current is the user's choice (kubectl config use-context): a rewrite keeps it.
      const kept = file.content.kind === 'kubeconfig' ? keepChosenContext(content, tree.files.get(file.path)?.content.toString('utf8')) : content;
      return { path: file.path, content: kept, mode: file.mode };
    });
  const chmods = changes.filter((c) => c.path.endsWith('/') && c.action === 'updated').map((c) => ({ path: c.path.slice(0, -1), mode: plannedDirectoryMode(c.path.slice(0, -1)) }));
  const removals = options.prune ? changes.filter((c) => c.action === 'removed').map((c) => c.path) : [];
  return { writes, chmods, removals };
}
