import {
  externalCaExchanges,
  type CertificatePlan,
  type ExternalCaExchange,
  type KubeconfigPlan,
  type PkiPlan,
  type PlannedFile,
} from '../../plan';
import { KeyPair, ParsedCertificate } from '../../crypto';
import { parseKubeconfig, parseOwnKubeconfig } from '../../outputs';
import type { ExistingCertificate, ExistingKey } from './material-decisions';
import type { TreeProblem } from './realize-error';
import type { TreeFile } from './read-output-tree';

/** The one text all copies of a shared file (a CA on every control-plane node) agree on, and where it was read. */
export interface SharedCopy {
  readonly text: string;
  readonly path: string;
}

/** A leaf's certificate and key texts as found on disk, wherever the plan stores them. */
export interface LeafTexts {
  readonly certificatePath: string;
  readonly keyPath: string;
  readonly certificate?: string;
  readonly key?: string;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * The planned files found on disk, parsed on demand. Every problem met while parsing is collected, never thrown, so
 * that one run reports them all.
 */
export class ExistingMaterial {
  readonly problems: TreeProblem[] = [];
  /** The plan's files by content kind and id, indexed once: a scan of every file per lookup is quadratic. */
  private readonly filesByContent = new Map<string, PlannedFile[]>();
  /** Leaves an outside CA signs, by certificate id: where their CSR is and their certificate comes back. */
  private readonly exchanges: ReadonlyMap<string, ExternalCaExchange>;
  /**
   * Each text parsed once in this run, so that a signature checked ahead (checkSignaturesAhead) is known to the
   * decision; keyed by the whole text, so different bytes are always parsed on their own.
   */
  private readonly certificatesByText = new Map<string, ExistingCertificate>();
  /** Leaves' texts as found (a kubeconfig is parsed once for the check ahead and the decision). */
  private readonly leafTextsById = new Map<string, LeafTexts>();
  private readonly kubeconfigPlans: ReadonlyMap<string, KubeconfigPlan>;

  constructor(
    readonly plan: PkiPlan,
    private readonly files: ReadonlyMap<string, TreeFile>,
  ) {
    for (const file of plan.files) {
      const key = `${file.content.kind}\u0000${'of' in file.content ? file.content.of : ''}`;
      const list = this.filesByContent.get(key);
      if (list) list.push(file);
      else this.filesByContent.set(key, [file]);
    }
    this.exchanges = new Map(externalCaExchanges(plan).map((e) => [e.certificate.id, e]));
    this.kubeconfigPlans = new Map(plan.kubeconfigs.map((k) => [k.id, k]));
  }

  /** The external-CA exchange of a leaf an outside CA signs (spec.pki.caKeys: external-ca). */
  exchangeOf(id: string): ExternalCaExchange | undefined {
    return this.exchanges.get(id);
  }

  filesOf(kind: PlannedFile['content']['kind'], id: string): PlannedFile[] {
    return this.filesByContent.get(`${kind}\u0000${id}`) ?? [];
  }

  text(rel: string): string | undefined {
    return this.files.get(rel)?.content.toString('utf8');
  }

  /**
   * The text every copy of a shared file must have. Copies that disagree: the majority is the reference and each odd
   * copy is a problem naming it; on a tie, the copy `preference` scores higher (for a CA: the one the leaves chain
   * to). Undefined when there is no copy, null when no reference can be chosen or a copy is odd.
   */
  sharedCopy(
    files: PlannedFile[],
    what: string,
    preference: (text: string) => number = () => 0,
  ): SharedCopy | undefined | null {
    const groups = new Map<string, string[]>();
    for (const file of files) {
      const text = this.text(file.path);
      if (text !== undefined) groups.set(text, [...(groups.get(text) ?? []), file.path]);
    }
    if (groups.size === 0) return undefined;
    if (groups.size === 1) {
      // Every copy agrees: nothing to rank, so the preference (a scan of every leaf for a CA) is not asked.
      const [[text, paths]] = groups;
      return { text: text!, path: paths![0]! };
    }
    const ranked = [...groups]
      .map(([text, paths]) => ({ text, paths, score: preference(text) }))
      .sort((a, b) => b.paths.length - a.paths.length || b.score - a.score);
    const [reference, runnerUp] = ranked;
    if (!runnerUp) return { text: reference!.text, path: reference!.paths[0]! };
    if (runnerUp.paths.length === reference!.paths.length && runnerUp.score === reference!.score) {
      this.problems.push({
        path: ranked.flatMap((g) => g.paths).join(', '),
        code: 'ca-mismatch',
        message: `copies of ${what} disagree and none is in the majority or signed the leaves: ${what} must be identical on every node; restore the right one over the others`,
      });
      return null;
    }
    for (const odd of ranked.slice(1).flatMap((g) => g.paths)) {
      this.problems.push({
        path: odd,
        code: 'ca-mismatch',
        message: `differs from ${reference!.paths.join(', ')} (${plural(reference!.paths.length, 'copy')}${reference!.paths.length > 1 ? ' in agreement' : ''}${reference!.score > 0 ? `, ${plural(reference!.score, 'certificate')} chain to it` : ''}): ${what} must be identical on every node; this copy is the odd one out — copy ${reference!.paths[0]} over it`,
      });
    }
    return null;
  }

  key(text: string, file: string): ExistingKey | undefined {
    try {
      return { pem: text, pair: KeyPair.fromPem(text) };
    } catch (error) {
      this.problems.push({
        path: file,
        code: 'corrupt',
        message: `${(error as Error).message}; delete it to have a new key issued, or restore it`,
      });
      return undefined;
    }
  }

  certificate(text: string, file: string): ExistingCertificate | undefined {
    const known = this.certificatesByText.get(text);
    if (known) return known;
    try {
      const parsed = { pem: text, parsed: ParsedCertificate.fromPem(text) };
      this.certificatesByText.set(text, parsed);
      return parsed;
    } catch (error) {
      this.problems.push({
        path: file,
        code: 'corrupt',
        message: `${(error as Error).message}; delete it (and its key) to have it reissued, or restore it`,
      });
      return undefined;
    }
  }

  /**
   * Verifies, on every core at once, the signatures the leaf decisions will ask about: each leaf's against its CA and
   * the generation a rotation replaces. Problems are left for the decisions to report.
   */
  async checkSignaturesAhead(leaf: CertificatePlan, issuers: (ParsedCertificate | undefined)[]): Promise<void> {
    const texts = this.leafTexts(leaf, false);
    if (!texts?.certificate) return;
    let certificate: ParsedCertificate;
    try {
      certificate =
        this.certificatesByText.get(texts.certificate)?.parsed ?? ParsedCertificate.fromPem(texts.certificate);
    } catch {
      return;
    }
    this.certificatesByText.set(texts.certificate, { pem: texts.certificate, parsed: certificate });
    await Promise.all(
      issuers
        .filter((issuer): issuer is ParsedCertificate => issuer !== undefined)
        .map((issuer) => certificate.isIssuedByInBackground(issuer)),
    );
  }

  /** Where a leaf's certificate and key are and what they hold; null (with a problem) when a kubeconfig is unusable. */
  leafTexts(leaf: CertificatePlan, report = true): LeafTexts | null {
    const known = this.leafTextsById.get(leaf.id);
    if (known) return known;
    const found = this.findLeafTexts(leaf, report);
    if (found) this.leafTextsById.set(leaf.id, found);
    return found;
  }

  private findLeafTexts(leaf: CertificatePlan, report: boolean): LeafTexts | null {
    if (leaf.storage === 'kubeconfig') {
      const file = this.filesOf('kubeconfig', leaf.id)[0]!.path;
      // An outside CA's certificate comes back beside the kubeconfig (`admin.conf.crt`): when there, it is the one
      // to embed — the kubeconfig holds the key kubepki made (kubeadm's partial kubeconfig) or a previous certificate.
      const returnedPath = this.exchanges.get(leaf.id)?.returnedFile;
      const returned = returnedPath !== undefined ? this.text(returnedPath) : undefined;
      const fromReturned =
        returned !== undefined ? { certificatePath: returnedPath!, certificate: returned } : undefined;
      const found = this.text(file);
      if (found === undefined) return { certificatePath: file, keyPath: file, ...fromReturned };
      try {
        const kc = parseOwnKubeconfig(found, this.kubeconfigPlans.get(leaf.id)!) ?? parseKubeconfig(found);
        if (kc.clientKeyPem && (kc.clientCertificatePem || returnedPath !== undefined)) {
          return {
            certificatePath: file,
            keyPath: file,
            key: kc.clientKeyPem,
            ...(kc.clientCertificatePem ? { certificate: kc.clientCertificatePem } : {}),
            ...fromReturned,
          };
        }
        if (report)
          this.problems.push({
            path: file,
            code: 'corrupt',
            message: 'has no embedded client-certificate-data and client-key-data; delete it to have it reissued',
          });
      } catch (error) {
        if (report)
          this.problems.push({
            path: file,
            code: 'corrupt',
            message: `${(error as Error).message}; delete it to have it reissued`,
          });
      }
      return null;
    }
    const certificateFile = this.filesOf('certificate', leaf.id)[0]!;
    const certificatePath = certificateFile.path;
    const keyPath = this.filesOf('private-key', leaf.id)[0]!.path;
    const text = this.text(certificatePath);
    // A serving certificate of an intermediate is followed by its chain: the leaf is the first block.
    const chained = certificateFile.content.kind === 'certificate' && certificateFile.content.bundle !== undefined;
    const certificate =
      chained && text !== undefined
        ? (/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/.exec(text)?.[0] ?? text)
        : text;
    const key = this.text(keyPath);
    return {
      certificatePath,
      keyPath,
      ...(certificate !== undefined ? { certificate } : {}),
      ...(key !== undefined ? { key } : {}),
    };
  }

  /** How many leaves on disk a candidate CA certificate signed: the tie-break between disagreeing CA copies. */
  leavesSignedBy(caId: string, caText: string): number {
    let ca: ParsedCertificate;
    try {
      ca = ParsedCertificate.fromPem(caText);
    } catch {
      return 0;
    }
    let signed = 0;
    for (const leaf of this.plan.certificates.filter((c) => !c.isCa && c.issuer === caId)) {
      const texts = this.leafTexts(leaf, false);
      if (!texts?.certificate) continue;
      try {
        if (ParsedCertificate.fromPem(texts.certificate).isIssuedBy(ca)) signed++;
      } catch {
        // damaged leaves are reported when their own decision is made
      }
    }
    return signed;
  }
}
