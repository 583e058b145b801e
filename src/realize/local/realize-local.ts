import { authoritiesOf, type PkiPlan } from '../../plan';
import { publicKeyPins, type CertificateSigner, type KeyPool, type ParsedCertificate } from '../../crypto';
import { clusterTrustBundle, keepChosenContext, renderPlannedFile, type PkiMaterial } from '../../outputs';
import { plannedDirectories, plannedDirectoryMode, readOutputTree, type OutputTree } from './read-output-tree';
import { decideTree } from './decide-tree';
import { keptMaterial, produceMaterial, type SigningContext } from './produce-material';
import { gatherExternalMaterial } from './external-material';
import { describeChange, type FileChange } from './describe-change';
import { RealizeError } from './realize-error';
import type { MaterialDecisions } from './material-decisions';
import { commitChange, type TreeChange } from './commit-change';
import { preflightWrites, withLockedTree } from './locked-tree';
import { decideBootstrapToken } from './decide-bootstrap-token';
import {
  intermediateRequest,
  pendingIntermediates,
  requestDirectories,
  requestIntermediates,
  type AwaitingSignature,
  type IntermediateRequests,
} from './request-intermediates';
import { ExistingMaterial } from './existing-material';
import { observeCommit, type RealizeObserver } from './realize-observer';

export type { FileAction, FileChange } from './describe-change';
export type { AwaitingSignature } from './request-intermediates';
export type { RealizeObserver } from './realize-observer';

export interface RealizeReport {
  changes: FileChange[];
  /** Keys generated in this run (0 on a no-op re-run). */
  generatedKeys: number;
  dryRun: boolean;
  /**
   * Intermediate CAs whose offline root has not signed yet: this run wrote only their keys and CSRs, and issues the
   * rest once the signed certificates are in the tree.
   */
  awaitingSignature?: AwaitingSignature[];
}

export interface RealizeOptions extends RealizeObserver {
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
  /** The offline roots' certificates (PEM) by intermediate CA id, for CAs whose spec names a parent (spec.pki.caParents). */
  parentCertificates?: ReadonlyMap<string, string>;
}

/**
 * While an intermediate still waits for its offline root, a run makes only the intermediates' keys and CSRs: the
 * request (written when `write`), or undefined when every intermediate is signed. A wrong signed one stops the run.
 */
async function requestPendingIntermediates(
  plan: PkiPlan,
  tree: OutputTree,
  now: Date,
  options: RealizeOptions,
  write: boolean,
): Promise<IntermediateRequests | undefined> {
  const unsigned = pendingIntermediates(plan, tree.files);
  if (unsigned.length === 0) return undefined;
  const { parentCertificates } = await signingContext(plan, tree, now, options);
  const requests = await requestIntermediates(
    plan,
    tree.files,
    unsigned,
    parentCertificates,
    write,
    write ? options.keyPool : undefined,
  );
  if (requests.problems.length > 0) throw new RealizeError(requests.problems);
  return requests;
}

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
    const report = await dryRun(plan, dir, now, options);
    for (const line of report.changes) options.onFile?.(line);
    return report;
  }

  return withLockedTree(plan, dir, options, async ({ tree, counter, leftovers }) => {
    if (tree.problems.length > 0) throw new RealizeError([...tree.problems]);
    for (const line of leftovers) options.onFile?.(line);
    // The first half of the exchange with an offline root: keys and CSRs only, committed like any change.
    const requests = await requestPendingIntermediates(plan, tree, now, options, true);
    if (requests) {
      preflightWrites(dir, tree, requestDirectories(requests.change), requests.change.writes);
      await commitChange(dir, requests.change, counter, observeCommit(requests.change, requests.changes, options));
      return {
        changes: [...leftovers, ...requests.changes],
        generatedKeys: requests.generatedKeys,
        dryRun: false,
        awaitingSignature: requests.awaiting,
      };
    }
    const decided = await decide(plan, dir, tree, now, options, await signingContext(plan, tree, now, options));
    const { decisions } = decided;
    const context = await withIntermediateRequests(plan, tree, decisions, decided.context);

    // Which files change is known from the decisions alone: check the file system before generating any key.
    const expected = changesOf(
      plan,
      tree,
      decisions,
      withJoinSecrets(plan, keptMaterial(decisions, context), decided),
      options,
    );
    const writing = expected.filter(
      (c) =>
        c.action !== 'kept' &&
        c.action !== 'external' &&
        c.action !== 'stale' &&
        c.action !== 'removed' &&
        !c.path.endsWith('/'),
    );
    preflightWrites(dir, tree, plannedDirectories(plan), writing);

    const produced = await produceMaterial(plan, decisions, now, options.keyPool, context);
    const { generatedKeys } = produced;
    const material = withJoinSecrets(plan, produced.material, decided);
    // Nothing to write: the material is the kept material the expected changes were rendered from, so rendering
    // every file again would only find the same answers (most of a no-op run's rendering).
    const changes = writing.length === 0 ? expected : changesOf(plan, tree, decisions, material, options);
    const change = treeChangeOf(plan, tree, changes, material, options);
    await commitChange(dir, change, counter, observeCommit(change, changes, options));
    return { changes: [...leftovers, ...changes], generatedKeys, dryRun: false };
  });
}

/** What a run would do, decided as the run decides it, with nothing written, no key generated and no lock taken. */
async function dryRun(plan: PkiPlan, dir: string, now: Date, options: RealizeOptions): Promise<RealizeReport> {
  const tree = readOutputTree(plan, dir);
  if (tree.problems.length > 0) throw new RealizeError([...tree.problems]);
  const requests = await requestPendingIntermediates(plan, tree, now, options, false);
  if (requests) {
    return {
      changes: requests.changes,
      generatedKeys: requests.generatedKeys,
      dryRun: true,
      awaitingSignature: requests.awaiting,
    };
  }
  const decided = await decide(plan, dir, tree, now, options, await signingContext(plan, tree, now, options));
  const { decisions } = decided;
  const context = await withIntermediateRequests(plan, tree, decisions, decided.context);
  const pending: FileChange[] = tree.pendingJournal
    ? [
        {
          path: '.kubepki-journal',
          action: 'updated',
          reason: 'an interrupted run committed a change; generate completes it first',
        },
      ]
    : [];
  return {
    changes: [
      ...pending,
      ...changesOf(plan, tree, decisions, withJoinSecrets(plan, keptMaterial(decisions, context), decided), options),
    ],
    generatedKeys: keysToGenerate(decisions),
    dryRun: true,
  };
}

/** The keys a real run would generate: `--dry-run` counts them as the run would. */
function keysToGenerate(decisions: MaterialDecisions): number {
  const certificateKeys = [...decisions.certificates.values()].filter((d) => d.action !== 'keep' && !d.key).length;
  return certificateKeys + (decisions.serviceAccountKey.action === 'create' ? 1 : 0);
}

/** CA certificates from the signers that hold CA keys, and checked user CSRs: before any decision, all or nothing. */
async function signingContext(
  plan: PkiPlan,
  tree: OutputTree,
  now: Date,
  options: RealizeOptions,
): Promise<GatheredContext> {
  if (tree.problems.length > 0) throw new RealizeError([...tree.problems]);
  const signers = options.signers ?? new Map<string, CertificateSigner>();
  const external = await gatherExternalMaterial(
    plan,
    tree.files,
    signers,
    options.certificationRequests ?? new Map(),
    now,
    options.parentCertificates ?? new Map(),
  );
  if (external.problems.length > 0) throw new RealizeError(external.problems);
  return {
    signers,
    certificationRequests: external.certificationRequests,
    caCertificates: external.caCertificates,
    parentCertificates: external.parentCertificates,
  };
}

/** The CSR each kept intermediate keeps beside its key (the one on disk while it still fits), for its .csr files. */
async function withIntermediateRequests(
  plan: PkiPlan,
  tree: OutputTree,
  decisions: MaterialDecisions,
  context: SigningContext,
): Promise<SigningContext> {
  const intermediates = plan.certificates.filter((c) => c.parent !== undefined);
  if (intermediates.length === 0) return context;
  const existing = new ExistingMaterial(plan, tree.files);
  const requests = new Map(context.certificationRequests);
  for (const ca of intermediates) {
    const decision = decisions.certificates.get(ca.id);
    if (decision?.key) requests.set(ca.id, await intermediateRequest(existing, ca, decision.key.pair));
  }
  return { ...context, certificationRequests: requests };
}

type GatheredContext = SigningContext & {
  caCertificates: Map<string, ParsedCertificate>;
  parentCertificates: Map<string, ParsedCertificate>;
};

/** The decisions about keys and certificates, and the bootstrap token (kept, supplied or new). */
interface Decided {
  decisions: MaterialDecisions;
  context: GatheredContext;
  bootstrapToken?: string;
}

async function decide(
  plan: PkiPlan,
  dir: string,
  tree: OutputTree,
  now: Date,
  options: RealizeOptions,
  context: GatheredContext,
): Promise<Decided> {
  const { decisions, problems } = await decideTree(
    plan,
    dir,
    tree,
    now,
    { ...context, signedElsewhere: new Set(context.signers.keys()) },
    new Set(options.renew ?? []),
  );
  const token = decideBootstrapToken(plan, tree.files, options.bootstrapToken);
  problems.push(...token.problems);
  if (problems.length > 0) throw new RealizeError(problems);
  return { decisions, context, ...(token.token ? { bootstrapToken: token.token } : {}) };
}

/** Adds what the kubeadm configurations need beyond keys and certificates: the token and the CAs' public-key pins. */
function withJoinSecrets(plan: PkiPlan, material: PkiMaterial, decided: Decided): PkiMaterial {
  // During a cluster-CA rotation joins pin every generation ca.crt trusts, so discovery works with either.
  const trusted = authoritiesOf(plan).find((a) => a.authority === 'clusterCA')!.trusted;
  const bundle = trusted.every((id) => material.certificates.has(id)) ? clusterTrustBundle(plan, material) : undefined;
  return {
    ...material,
    ...(decided.bootstrapToken ? { bootstrapToken: decided.bootstrapToken } : {}),
    ...(bundle ? { caCertHashes: publicKeyPins(bundle) } : {}),
  };
}

/** One line per planned file, then directory modes to fix and files the plan no longer names. */
function changesOf(
  plan: PkiPlan,
  tree: OutputTree,
  decisions: MaterialDecisions,
  material: PkiMaterial,
  options: RealizeOptions,
): FileChange[] {
  return [
    ...plan.files.map((file) => describeChange(plan, file, decisions, tree.files.get(file.path), material)),
    ...[...tree.directoryModes]
      .filter(([rel, mode]) => mode !== plannedDirectoryMode(rel))
      .map(([rel, mode]): FileChange => ({
        path: `${rel}/`,
        action: 'updated',
        reason: `mode ${mode.toString(8)} → ${plannedDirectoryMode(rel).toString(8)}`,
      })),
    ...tree.stale.map((rel): FileChange => ({
      path: rel,
      action: options.prune ? 'removed' : 'stale',
      reason: 'not in the plan',
    })),
  ];
}

// Keys before certificates before kubeconfigs: the journal applies renames in this order.
const writeOrder = {
  'private-key': 0,
  'bootstrap-token': 0,
  'public-key': 1,
  certificate: 1,
  kubeconfig: 2,
  manifest: 2,
  'kubeadm-config': 2,
  'csr-manifest': 2,
  'certification-request': 2,
} as const;

function treeChangeOf(
  plan: PkiPlan,
  tree: OutputTree,
  changes: FileChange[],
  material: PkiMaterial,
  options: RealizeOptions,
): TreeChange {
  const planned = new Map(plan.files.map((f) => [f.path, f]));
  const writes = changes
    .filter((c) => planned.has(c.path) && (c.action === 'created' || c.action === 'reissued' || c.action === 'updated'))
    .map((c) => planned.get(c.path)!)
    .sort((a, b) => writeOrder[a.content.kind] - writeOrder[b.content.kind])
    .map((file) => {
      const content = renderPlannedFile(plan, file, material);
      // Which planned context is current is the user's choice (kubectl config use-context): a rewrite keeps it.
      const kept =
        file.content.kind === 'kubeconfig'
          ? keepChosenContext(content, tree.files.get(file.path)?.content.toString('utf8'))
          : content;
      return { path: file.path, content: kept, mode: file.mode };
    });
  const chmods = changes
    .filter((c) => c.path.endsWith('/') && c.action === 'updated')
    .map((c) => ({ path: c.path.slice(0, -1), mode: plannedDirectoryMode(c.path.slice(0, -1)) }));
  const removals = options.prune ? changes.filter((c) => c.action === 'removed').map((c) => c.path) : [];
  return { writes, chmods, removals };
}
