import { externalCaExchanges, type ExternalCaExchange, type PkiPlan } from '../../plan';
import { KeyPair, ParsedCertificationRequest, createCertificationRequest, type KeyPool } from '../../crypto';
import { renderKeyOnlyKubeconfig } from '../../outputs';
import { plannedDirectories, readOutputTree, type OutputTree } from './read-output-tree';
import { decideTree } from './decide-tree';
import type { FileChange } from './describe-change';
import type { CertificateDecision } from './material-decisions';
import { RealizeError, type TreeProblem } from './realize-error';
import { commitChange, type TreeChange } from './commit-change';
import { observeCommit, type RealizeObserver } from './realize-observer';
import { preflightWrites, withLockedTree, type LockOptions } from './locked-tree';

export interface RequestOptions extends LockOptions, RealizeObserver {
  /** Decide and report, write nothing, generate no key, take no lock. */
  dryRun?: boolean;
  /** @default new Date() */
  now?: Date;
  keyPool?: KeyPool;
  /** Users' own CSRs (PEM) by certificate id, for users whose spec names a csr: copied for the outside CA to sign. */
  certificationRequests?: ReadonlyMap<string, string>;
}

export interface RequestReport {
  changes: FileChange[];
  generatedKeys: number;
  dryRun: boolean;
  /** The CSRs the outside CA must sign (their certificate is missing or no longer matches the plan), in plan order. */
  awaiting: ExternalCaExchange[];
}

/** One leaf that needs the outside CA's signature, and the key its CSR is made with (existing, or new). */
interface Request {
  exchange: ExternalCaExchange;
  decision: Exclude<CertificateDecision, { action: 'keep' }>;
}

const privateMode = 0o600;
const publicMode = 0o644;

/**
 * `kubepki csr`, kubeadm's `certs generate-csr` for the plan: for every leaf an outside CA signs
 * (`spec.pki.caKeys.<ca>: external-ca`) whose certificate is missing or no longer matches the plan, the private key
 * (kept if there is one) and a CSR with the planned subject, SANs and usages, in kubeadm's layout (see
 * ExternalCaExchange). Nothing else in the tree is touched; CA certificates need not be there yet. Locked, staged and
 * committed like `generate`; a re-run writes nothing, and a CSR that still fits its key and the plan is kept.
 */
export async function requestCertificates(
  plan: PkiPlan,
  dir: string,
  options: RequestOptions = {},
): Promise<RequestReport> {
  const now = options.now ?? new Date();
  if (options.dryRun) {
    const tree = readOutputTree(plan, dir);
    const requests = await decideRequests(plan, dir, tree, now, options);
    const changes = await describeRequests(plan, tree, requests, new Map(), options);
    for (const line of changes) options.onFile?.(line);
    return { changes, generatedKeys: newKeys(requests), dryRun: true, awaiting: requests.map((r) => r.exchange) };
  }
  return withLockedTree(plan, dir, options, async ({ tree, counter, leftovers }) => {
    const requests = await decideRequests(plan, dir, tree, now, options);
    for (const line of leftovers) options.onFile?.(line);
    preflightWrites(
      dir,
      tree,
      plannedDirectories(plan),
      (await describeRequests(plan, tree, requests, new Map(), options)).filter((c) => c.action !== 'kept'),
    );
    // Every new key generates at once on the thread pool, as generate's do.
    const newKey = (algorithm: KeyPair['algorithm']) =>
      options.keyPool ? options.keyPool.take(algorithm) : KeyPair.generate(algorithm);
    const keys = new Map(
      await Promise.all(
        requests
          .filter((r) => r.exchange.keyFile !== undefined)
          .map(
            async ({ exchange, decision }) =>
              [exchange.certificate.id, decision.key?.pair ?? (await newKey(exchange.certificate.algorithm))] as const,
          ),
      ),
    );
    const texts = new Map<string, string>();
    const changes = await describeRequests(plan, tree, requests, keys, options, texts);
    const change: TreeChange = {
      writes: changes
        .filter((c) => c.action !== 'kept')
        .map((c) => ({
          path: c.path,
          content: texts.get(c.path)!,
          mode: c.path.endsWith('.csr') ? publicMode : privateMode,
        })),
      chmods: [],
      removals: [],
    };
    await commitChange(dir, change, counter, observeCommit(change, changes, options));
    return {
      changes: [...leftovers, ...changes],
      generatedKeys: newKeys(requests),
      dryRun: false,
      awaiting: requests.map((r) => r.exchange),
    };
  });
}

/** Keys kubepki makes for the requests (a user keeps their own). */
function newKeys(requests: readonly Request[]): number {
  return requests.filter((r) => r.exchange.keyFile !== undefined && !r.decision.key).length;
}

/** The leaves that need a CSR: decided as `generate` decides them, without refusing for want of the CA key. */
async function decideRequests(
  plan: PkiPlan,
  dir: string,
  tree: OutputTree,
  now: Date,
  options: RequestOptions,
): Promise<Request[]> {
  const users = new Map(
    [...(options.certificationRequests ?? [])].map(([id, pem]) => [id, ParsedCertificationRequest.fromPem(pem)]),
  );
  const { decisions, problems } = await decideTree(
    plan,
    dir,
    tree,
    now,
    { caCertificates: new Map(), certificationRequests: users, signedElsewhere: new Set(), requestsOnly: true },
    new Set(),
  );
  const requests: Request[] = [];
  for (const exchange of externalCaExchanges(plan)) {
    const decision = decisions.certificates.get(exchange.certificate.id);
    if (!decision || decision.action === 'keep') continue;
    // A new algorithm needs a new key, which would break the pair still in use until the new certificate comes back.
    if (decision.action === 'reissue' && !decision.key && exchange.keyFile !== undefined)
      problems.push(newKeyRefused(exchange, decision.previous.algorithm));
    else requests.push({ exchange, decision });
  }
  if (problems.length > 0) throw new RealizeError(problems);
  return requests;
}

function newKeyRefused(exchange: ExternalCaExchange, current: string | undefined): TreeProblem {
  const { certificate } = exchange;
  const pair = exchange.kubeconfigFile ?? `${exchange.returnedFile} and ${exchange.keyFile}`;
  return {
    path: exchange.returnedFile,
    code: 'no-ca-key',
    message: `certifies a ${current ?? 'different'} key and the plan asks for ${certificate.algorithm}: a new key would break the pair in use until the outside CA signs again; move ${pair} away (the component using it stops until then), then run kubepki csr again`,
  };
}

/**
 * One line per file a request writes or keeps: the key (a pki/ key file, or the partial kubeconfig) and the CSR. With
 * `keys`, the texts to write are put in `texts`; without (a dry run, the preflight), only the actions are known.
 */
async function describeRequests(
  plan: PkiPlan,
  tree: OutputTree,
  requests: readonly Request[],
  keys: ReadonlyMap<string, KeyPair>,
  options: RequestOptions,
  texts = new Map<string, string>(),
): Promise<FileChange[]> {
  const changes: FileChange[] = [];
  for (const { exchange, decision } of requests) {
    const { certificate } = exchange;
    const current = tree.files.get(exchange.requestFile)?.content;
    const reason = decision.action === 'create' ? 'certificate missing' : decision.reasons.join('; ');
    if (exchange.keyFile === undefined) {
      // The user keeps their key: their own CSR, checked against the spec like any users[].csr, is what goes out.
      const pem = options.certificationRequests?.get(certificate.id);
      if (pem === undefined) continue;
      const same = current?.toString('utf8') === pem;
      changes.push({
        path: exchange.requestFile,
        action: same ? 'kept' : current === undefined ? 'created' : 'updated',
        reason: same ? `awaiting the outside CA: ${reason}` : `the user's CSR (${certificate.csr})`,
      });
      if (!same) texts.set(exchange.requestFile, pem);
      continue;
    }
    const key = keys.get(certificate.id);
    if (decision.key) changes.push({ path: exchange.keyFile, action: 'kept' });
    else {
      changes.push({
        path: exchange.keyFile,
        action: tree.files.has(exchange.keyFile) ? 'updated' : 'created',
        reason: 'new key for the outside CA to certify',
      });
      if (key)
        texts.set(
          exchange.keyFile,
          certificate.storage === 'kubeconfig' ? keyOnlyKubeconfig(plan, tree, exchange, key) : key.toPem(),
        );
    }
    if (current !== undefined && decision.key && (await requestStillFits(current, exchange, decision.key.pair))) {
      changes.push({ path: exchange.requestFile, action: 'kept', reason: `awaiting the outside CA: ${reason}` });
      continue;
    }
    changes.push({ path: exchange.requestFile, action: current === undefined ? 'created' : 'updated', reason });
    if (key) {
      texts.set(
        exchange.requestFile,
        await createCertificationRequest(key, {
          commonName: certificate.subject.commonName,
          organizations: certificate.subject.organizations,
          ...certificate.sans,
          keyUsages: certificate.keyUsages,
          extendedKeyUsages: certificate.extendedKeyUsages,
        }),
      );
    }
  }
  return changes;
}

/** The CSR on disk was made with this key and asks for the planned subject and SANs: kept, byte for byte. */
async function requestStillFits(text: Buffer, exchange: ExternalCaExchange, key: KeyPair): Promise<boolean> {
  let csr: ParsedCertificationRequest;
  try {
    csr = ParsedCertificationRequest.fromPem(text);
  } catch {
    return false;
  }
  const { subject, sans } = exchange.certificate;
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  return (
    csr.publicKeyDer().equals(key.publicKeyDer()) &&
    csr.commonName === subject.commonName &&
    same(csr.organizations, subject.organizations) &&
    same([...csr.dnsNames].sort(), [...sans.dnsNames].sort()) &&
    same(csr.ipAddresses, sans.ipAddresses) &&
    (await csr.verifySignature())
  );
}

/** kubeadm's partial kubeconfig: the new key, no certificate, the cluster CA when the tree holds it already. */
function keyOnlyKubeconfig(plan: PkiPlan, tree: OutputTree, exchange: ExternalCaExchange, key: KeyPair): string {
  const kubeconfig = plan.kubeconfigs.find((k) => k.id === exchange.certificate.id)!;
  const copies = plan.files
    .filter(
      (f) => f.content.kind === 'certificate' && f.content.of === exchange.certificate.issuer && tree.files.has(f.path),
    )
    .map((f) => f.path);
  const caFile = copies.find((f) => f.startsWith(`${exchange.certificate.node}/`)) ?? copies[0];
  const ca = caFile !== undefined ? tree.files.get(caFile)!.content.toString('utf8') : undefined;
  return renderKeyOnlyKubeconfig(kubeconfig, key.toPem(), ca);
}
