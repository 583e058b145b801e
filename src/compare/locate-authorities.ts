import { createPublicKey } from 'node:crypto';
import {
  authoritiesOf,
  generationName,
  isNextRotationStage,
  rotationOrderRefusal,
  type AuthorityPlan,
  type CertificatePlan,
  type PkiPlan,
  type RotationStage,
} from '../plan';
import type { RotatableAuthority } from '../spec';
import { KeyPair, ParsedCertificate } from '../crypto';
import { serviceAccountKeyIds } from '../outputs/service-account-key-labels';

/** A stage taken out of order, found in the tree: refused by both engines before anything is written. */
export interface RotationOrderProblem {
  /** Relative to the output directory. */
  path: string;
  code: 'rotation-order';
  message: string;
}

/** An authority generation found in the tree, wherever the previous stage left it. */
export interface LocatedCa {
  certificatePem: string;
  certificate: ParsedCertificate;
  certificatePath: string;
  keyPem?: string;
  key?: KeyPair;
  keyPath?: string;
}

/** A service-account key generation: its private key when the tree still has it, else only its public half. */
export interface LocatedServiceAccountKey {
  keyPem?: string;
  key?: KeyPair;
  publicKeyPem: string;
}

/** What locateAuthorities found, by plan id. */
export interface LocatedAuthorities {
  cas: Map<string, LocatedCa>;
  serviceAccountKeys: Map<string, LocatedServiceAccountKey>;
}

/** Reads a file of the output directory by relative path, planned or not; undefined when absent. */
export type TreeReader = (rel: string) => string | undefined;

const certificateBlocks = (text: string) =>
  text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
const publicKeyBlocks = (text: string) =>
  text.match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----\n?/g) ?? [];
const ensureNewline = (pem: string) => (pem.endsWith('\n') ? pem : `${pem}\n`);

/**
 * The files any stage may keep an authority in, on one control-plane node: the kubeadm name (a bundle, signer first),
 * the `-<g>` files the trust stage writes, and `ca-signer.crt`.
 */
function candidatePaths(node: string, a: AuthorityPlan): { certificates: string[]; keys: string[] } {
  const base = `${node}/pki/${a.file}`;
  const generations = [a.generation, a.generation + 1].filter((g) => g > 1);
  return {
    certificates: [
      `${base}.crt`,
      ...generations.map((g) => `${base}-${g}.crt`),
      ...(a.authority === 'clusterCA' ? [`${node}/pki/ca-signer.crt`] : []),
    ],
    keys: [`${base}.key`, ...generations.map((g) => `${base}-${g}.key`)],
  };
}

function parseQuietly<T>(parse: () => T): T | undefined {
  try {
    return parse();
  } catch {
    return undefined;
  }
}

/** The generation a CA certificate's CN names (`etcd-ca-3` → 3, `etcd-ca` → 1); undefined for a CN of another form. */
function generationOfCn(a: AuthorityPlan, commonName: string): number | undefined {
  if (commonName === a.commonName) return 1;
  const match = commonName.startsWith(`${a.commonName}-`)
    ? /^(\d+)$/.exec(commonName.slice(a.commonName!.length + 1))
    : null;
  return match ? Number(match[1]) : undefined;
}

/**
 * Finds every CA generation the plan names in the tree, by its CN, wherever a previous stage wrote it, with the key
 * that matches it; and refuses a stage taken out of order (skipped, or gone back) with what to do instead.
 */
export function locateAuthorities(
  plan: PkiPlan,
  read: TreeReader,
): LocatedAuthorities & { problems: RotationOrderProblem[] } {
  const cas = new Map<string, LocatedCa>();
  const problems: RotationOrderProblem[] = [];
  const controlPlanes = plan.nodes.filter((n) => n.role === 'control-plane').map((n) => n.name);
  const serviceAccountKeys = new Map<string, LocatedServiceAccountKey>();
  for (const a of authoritiesOf(plan)) {
    if (a.authority === 'serviceAccountKey') {
      locateServiceAccountKeys(a, controlPlanes, read, serviceAccountKeys, problems);
      continue;
    }
    const plans = plan.certificates.filter((c) => a.trusted.includes(c.id));
    const certificates: { pem: string; parsed: ParsedCertificate; path: string }[] = [];
    const keys: { pem: string; key: KeyPair; path: string }[] = [];
    for (const node of controlPlanes) {
      const paths = candidatePaths(node, a);
      for (const path of paths.certificates) {
        for (const pem of certificateBlocks(read(path) ?? '')) {
          const parsed = parseQuietly(() => ParsedCertificate.fromPem(pem));
          if (parsed?.isCa) certificates.push({ pem: ensureNewline(pem), parsed, path });
        }
      }
      for (const path of paths.keys) {
        const text = read(path);
        const key = text !== undefined ? parseQuietly(() => KeyPair.fromPem(text)) : undefined;
        if (key && text !== undefined) keys.push({ pem: text, key, path });
      }
    }
    const treeSigner = certificates[0]; // the first certificate of <node>/pki/<file>.crt: what kubeadm reads as the CA
    for (const ca of plans) {
      const found =
        certificates.find((c) => c.parsed.commonName === ca.subject.commonName) ??
        (ca.generation === undefined || ca.generation === 1 ? firstForeign(a, certificates) : undefined);
      if (!found) continue;
      const key = keys.find((k) => found.parsed.matchesKey(k.key));
      cas.set(ca.id, {
        certificatePem: found.pem,
        certificate: found.parsed,
        certificatePath: found.path,
        ...(key ? { keyPem: key.pem, key: key.key, keyPath: key.path } : {}),
      });
    }
    if (treeSigner) problems.push(...stageProblems(a, plans, treeSigner, cas));
  }
  return { cas, serviceAccountKeys, problems };
}

/** A generation-1 CA you brought keeps its own CN: the first CA certificate whose CN is not one of kubepki's generations. */
function firstForeign(a: AuthorityPlan, certificates: { pem: string; parsed: ParsedCertificate; path: string }[]) {
  return certificates.find((c) => generationOfCn(a, c.parsed.commonName) === undefined);
}

function stageProblems(
  a: AuthorityPlan,
  plans: CertificatePlan[],
  treeSigner: { parsed: ParsedCertificate; path: string },
  cas: Map<string, LocatedCa>,
): RotationOrderProblem[] {
  const treeGeneration = generationOfCn(a, treeSigner.parsed.commonName) ?? 1;
  const signerPlan = plans.find((c) => c.id === a.signer)!;
  const signerGeneration = signerPlan.generation ?? 1;
  const field = `spec.pki.rotation.${a.authority}`;
  const signing = `${treeSigner.path} says ${treeSigner.parsed.commonName} signs`;
  if (treeGeneration > a.generation || (a.phase === 'trust' && treeGeneration === a.generation)) {
    return [
      {
        path: treeSigner.path,
        code: 'rotation-order',
        message: `${signing}, a later stage than ${field} (generation ${a.generation}, ${a.phase}): a rotation never goes back (certificates ${treeSigner.parsed.commonName} issued would stop being trusted). Set ${field} to the stage the tree is at, or finish the rotation`,
      },
    ];
  }
  if (treeGeneration === signerGeneration) return [];
  // The signer switches in this very run: allowed only from the trust stage, whose files hold the new authority.
  if (a.phase === 'issue' && treeGeneration === a.generation - 1 && cas.get(a.signer)?.key) return [];
  const skipped =
    a.phase === 'issue'
      ? 'trust'
      : a.phase === 'finish' && treeGeneration === a.generation - 1
        ? 'issue'
        : 'trust and issue';
  const next = skipped === 'issue' ? 'issue' : 'trust';
  return [
    {
      path: treeSigner.path,
      code: 'rotation-order',
      message: `${signing}, but ${field} asks for generation ${a.generation} ${a.phase}: the ${skipped} stage was skipped (${a.phase === 'finish' ? `every certificate ${treeSigner.parsed.commonName} issued would stop being trusted` : `the new authority ${generationName(a.commonName!, a.generation)} is not trusted everywhere yet`}). Set ${field}: {generation: ${a.generation}, phase: ${next}}, generate and roll it out first`,
    },
  ];
}

function locateServiceAccountKeys(
  a: AuthorityPlan,
  controlPlanes: string[],
  read: TreeReader,
  out: Map<string, LocatedServiceAccountKey>,
  problems: RotationOrderProblem[],
): void {
  const node = controlPlanes[0]!;
  const keyText = read(`${node}/pki/sa.key`);
  const signed = keyText !== undefined ? parseQuietly(() => KeyPair.fromPem(keyText)) : undefined;
  const nextPath = `${node}/pki/sa-${a.generation}.key`;
  const nextText = a.generation > 1 ? read(nextPath) : undefined;
  const waiting = nextText !== undefined ? parseQuietly(() => KeyPair.fromPem(nextText)) : undefined;
  const published = publicKeyBlocks(read(`${node}/pki/sa.pub`) ?? '').map(ensureNewline);
  const der = (pem: string) => parseQuietly(() => createPublicKey(pem).export({ format: 'der', type: 'spki' }));
  const field = 'spec.pki.rotation.serviceAccountKey';
  if (!signed) return; // a new tree, or a damaged one the caller reports
  // The stage sa.pub's labels say the tree is at: the keys alone cannot tell a skipped stage from a taken one.
  const tree = stageOfGenerations(serviceAccountKeyIds(read(`${node}/pki/sa.pub`) ?? '').map(saGeneration));
  const spec = { generation: a.generation, phase: a.phase };
  if (tree && (tree.generation !== spec.generation || tree.phase !== spec.phase) && !isNextRotationStage(tree, spec)) {
    problems.push({
      path: `${node}/pki/sa.pub`,
      code: 'rotation-order',
      message: rotationOrderRefusal(a.authority, tree, spec),
    });
    return;
  }
  const entry = (key: KeyPair, pem: string): LocatedServiceAccountKey => ({
    key,
    keyPem: pem,
    publicKeyPem: key.publicKeyPem(),
  });
  const same = (x: KeyPair, y: KeyPair) => x.publicKeyDer().equals(y.publicKeyDer());
  if (a.phase === 'trust') {
    if (waiting && same(waiting, signed)) {
      problems.push({
        path: `${node}/pki/sa.key`,
        code: 'rotation-order',
        message: `already signs with the key of generation ${a.generation} (${nextPath}): a rotation never goes back (tokens it minted would stop verifying). Set ${field} to phase: issue`,
      });
      return;
    }
    out.set(a.signer, entry(signed, keyText!));
    if (waiting) out.set(a.next!, entry(waiting, nextText!));
    return;
  }
  // issue or finish: the new key is the waiting one (first issue run) or already sa.key.
  const current = waiting ?? signed;
  const currentPem = waiting ? nextText! : keyText!;
  if (a.phase === 'issue') {
    const previous =
      published.find((pem) => !der(pem)?.equals(current.publicKeyDer())) ??
      (waiting && !same(waiting, signed) ? signed.publicKeyPem() : undefined);
    if (!previous || (!waiting && published.length < 2)) {
      problems.push({
        path: `${node}/pki/sa.pub`,
        code: 'rotation-order',
        message: `holds one key and ${nextPath} does not exist: the trust stage was skipped (kube-apiserver would reject every token the old key minted). Set ${field}: {generation: ${a.generation}, phase: trust}, generate and roll it out first`,
      });
      return;
    }
    out.set(a.signer, entry(current, currentPem));
    out.set(a.previous!, { publicKeyPem: previous });
    return;
  }
  if (waiting && !same(waiting, signed)) {
    problems.push({
      path: `${node}/pki/sa.key`,
      code: 'rotation-order',
      message: `still signs with the old key (the new one waits in ${nextPath}): the issue stage was skipped. Set ${field}: {generation: ${a.generation}, phase: issue}, generate and roll it out first`,
    });
    return;
  }
  out.set(a.signer, entry(signed, keyText!));
}

/**
 * The stage a trust file is at, from the generations it holds in order (signer first): one is a finished generation,
 * an older before a newer the newer one's trust stage, a newer before an older its issue stage. Undefined when the
 * file says nothing usable (absent, no authority, or in no stage's order).
 */
function stageOfGenerations(generations: number[]): RotationStage | undefined {
  const [first, second] = generations;
  if (generations.length === 1) return { generation: first!, phase: 'finish' };
  if (generations.length !== 2 || first === second) return undefined;
  return first! < second! ? { generation: second!, phase: 'trust' } : { generation: first!, phase: 'issue' };
}

/**
 * The stage the tree is at for each authority, read from the first control-plane node's trust file: CA generations
 * from the CNs of `<ca>.crt` (a CA you brought counts as generation 1), sa-key generations from sa.pub's labels.
 * What `pulumi up` reads to know whether the previous generation still has a file that trusts it.
 */
export function treeRotationStages(plan: PkiPlan, read: TreeReader): Map<RotatableAuthority, RotationStage> {
  const stages = new Map<RotatableAuthority, RotationStage>();
  const node = plan.nodes.find((n) => n.role === 'control-plane')?.name;
  if (node === undefined) return stages;
  for (const a of authoritiesOf(plan)) {
    const text = read(`${node}/pki/${a.file}.${a.authority === 'serviceAccountKey' ? 'pub' : 'crt'}`);
    if (text === undefined) continue;
    const generations =
      a.authority === 'serviceAccountKey'
        ? serviceAccountKeyIds(text).map(saGeneration)
        : certificateBlocks(text).map(
            (pem) => generationOfCn(a, parseQuietly(() => ParsedCertificate.fromPem(pem))?.commonName ?? '') ?? 1,
          );
    const stage = stageOfGenerations(generations);
    if (stage) stages.set(a.authority, stage);
  }
  return stages;
}

const saGeneration = (id: string) => (id === 'sa' ? 1 : Number(id.slice('sa-'.length)));
