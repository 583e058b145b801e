import { createPublicKey } from 'node:crypto';
import type { CertificatePlan, PkiPlan, PlannedFile } from '../../plan';
import { actionableDrift } from '../../compare';
import { KeyPair, ParsedCertificate, describeKey } from '../../crypto';
import { parseKubeconfig } from '../../outputs';
import type { ExistingFile } from './existing-tree';
import type { TreeProblem } from './realize-error';

/** What to do with one certificate and its key. PEM text of kept material is the file's own, byte for byte. */
export interface CertificateDecision {
  plan: CertificatePlan;
  action: 'create' | 'keep' | 'reissue';
  /** Why it is (re)issued: the planned properties it lacks, or its expiry. */
  reasons: string[];
  certificate?: ParsedCertificate;
  certificatePem?: string;
  /** True when an existing key is kept (also on reissue); false means a new key is generated. */
  reuseKey: boolean;
  /** The key to keep using; absent on create/reissue means "generate one", absent on keep means an external CA. */
  key?: KeyPair;
  keyPem?: string;
}

export interface KeyPairDecision {
  action: 'create' | 'keep';
  key?: KeyPair;
  keyPem?: string;
  publicKeyPem?: string;
}

export interface MaterialDecisions {
  certificates: Map<string, CertificateDecision>;
  serviceAccountKey: KeyPairDecision;
}

const hourMs = 3600_000;


/**
 * Decides, from what is on disk, which certificates to keep, issue or reissue — the way kubeadm reuses existing
 * files, plus the checks kubeadm skips (key/cert match, subject, usages). Collects every problem instead of stopping
 * at the first; the caller writes nothing when there is one.
 */
export function reconcileMaterial(plan: PkiPlan, existing: Map<string, ExistingFile>, now: Date): { decisions: MaterialDecisions; problems: TreeProblem[] } {
  const problems: TreeProblem[] = [];
  const certificates = new Map<string, CertificateDecision>();
  const filesOf = (kind: PlannedFile['content']['kind'], id: string) => plan.files.filter((f) => f.content.kind === kind && f.content.of === id);

  /** All copies of a shared file must be identical; returns the one text, or undefined when none exists. */
  const sharedCopy = (files: PlannedFile[], what: string): { text: string; path: string } | undefined | null => {
    const present = files.filter((f) => existing.has(f.path));
    if (present.length === 0) return undefined;
    const first = present[0]!;
    const text = existing.get(first.path)!.content.toString('utf8');
    const differing = present.filter((f) => existing.get(f.path)!.content.toString('utf8') !== text);
    if (differing.length > 0) {
      problems.push({
        path: differing[0]!.path,
        code: 'ca-mismatch',
        message: `differs from ${first.path}: ${what} must be identical on every node; copy the right one over the others`,
      });
      return null;
    }
    return { text, path: first.path };
  };

  const loadKey = (text: string, file: string): KeyPair | undefined => {
    try {
      return KeyPair.fromPem(text);
    } catch (error) {
      problems.push({ path: file, code: 'corrupt', message: `${(error as Error).message}; delete it to have a new key issued, or restore it` });
      return undefined;
    }
  };
  const loadCertificate = (text: string, file: string): ParsedCertificate | undefined => {
    try {
      return ParsedCertificate.fromPem(text);
    } catch (error) {
      problems.push({ path: file, code: 'corrupt', message: `${(error as Error).message}; delete it (and its key) to have it reissued, or restore it` });
      return undefined;
    }
  };

  // CAs first: every leaf is checked against its CA.
  for (const ca of plan.certificates.filter((c) => c.isCa)) {
    const cert = sharedCopy(filesOf('certificate', ca.id), `the ${ca.id} certificate`);
    const key = sharedCopy(filesOf('private-key', ca.id), `the ${ca.id} key`);
    if (cert === null || key === null) continue;
    if (!cert) {
      if (key) problems.push({ path: key.path, code: 'missing-key', message: `exists without its certificate: restore ${key.path.replace(/\.key$/, '.crt')} or remove the key` });
      else certificates.set(ca.id, { plan: ca, action: 'create', reasons: ['new CA'], reuseKey: false });
      continue;
    }
    const parsed = loadCertificate(cert.text, cert.path);
    const parsedKey = key ? loadKey(key.text, key.path) : undefined;
    if (!parsed || (key && !parsedKey)) continue;
    if (!parsed.isCa || !parsed.keyUsages.includes('keyCertSign')) {
      problems.push({ path: cert.path, code: 'corrupt', message: 'is not a CA certificate (needs basicConstraints CA:TRUE and keyCertSign)' });
      continue;
    }
    if (parsedKey && !parsed.matchesKey(parsedKey)) {
      problems.push({ path: key!.path, code: 'key-mismatch', message: `does not match ${cert.path}: restore the matching key` });
      continue;
    }
    if (parsed.algorithm !== ca.algorithm) {
      problems.push({
        path: cert.path,
        code: 'ca-change',
        message: `the existing CA key is ${describeKey(parsed.node.publicKey)} but the spec asks for ${ca.algorithm}: kubepki never replaces a CA implicitly (it would invalidate every certificate it signed). Set spec.pki.encryptionAlgorithm: ${parsed.algorithm ?? 'the CA key algorithm'}, or move the CA files away to start a new PKI`,
      });
      continue;
    }
    // A CA you bring (openssl, a corporate PKI) is used whatever its lifetime. A CA kubeadm or kubepki issued carries
    // their five-minute backdate; for those, a different caCertificateValidityPeriod is a spec change to refuse.
    if (actionableDrift(ca, parsed).some((d) => d.field === 'validity')) {
      problems.push({
        path: cert.path,
        code: 'ca-change',
        message: `the existing CA lives ${Math.round(parsed.lifetimeHours)}h but spec.pki.caCertificateValidityPeriod asks for ${ca.validityHours}h: kubepki never replaces a CA implicitly. Set caCertificateValidityPeriod: ${Math.round(parsed.lifetimeHours)}h to keep it, or move the CA files away to start a new PKI`,
      });
      continue;
    }
    certificates.set(ca.id, {
      plan: ca,
      action: 'keep',
      reasons: [],
      reuseKey: true,
      certificate: parsed,
      certificatePem: cert.text,
      ...(parsedKey ? { key: parsedKey, keyPem: key!.text } : {}),
    });
  }

  const renewBeforeMs = (plan.cluster.renewBeforeHours ?? 0) * hourMs;
  for (const leaf of plan.certificates.filter((c) => !c.isCa)) {
    const issuer = certificates.get(leaf.issuer);
    let certText: string | undefined;
    let keyText: string | undefined;
    let certPath: string;
    let keyPath: string;
    if (leaf.storage === 'kubeconfig') {
      const file = filesOf('kubeconfig', leaf.id)[0]!;
      certPath = keyPath = file.path;
      const found = existing.get(file.path);
      if (found) {
        try {
          const kc = parseKubeconfig(found.content.toString('utf8'));
          certText = kc.clientCertificatePem;
          keyText = kc.clientKeyPem;
        } catch (error) {
          problems.push({ path: file.path, code: 'corrupt', message: `${(error as Error).message}; delete it to have it reissued` });
          continue;
        }
        if (!certText || !keyText) {
          problems.push({ path: file.path, code: 'corrupt', message: 'has no embedded client-certificate-data and client-key-data; delete it to have it reissued' });
          continue;
        }
      }
    } else {
      certPath = filesOf('certificate', leaf.id)[0]!.path;
      keyPath = filesOf('private-key', leaf.id)[0]!.path;
      certText = existing.get(certPath)?.content.toString('utf8');
      keyText = existing.get(keyPath)?.content.toString('utf8');
      if (certText !== undefined && keyText === undefined) {
        problems.push({ path: certPath, code: 'missing-key', message: `exists without its key ${keyPath}: restore the key, or delete the certificate to have both issued` });
        continue;
      }
    }
    const key = keyText !== undefined ? loadKey(keyText, keyPath) : undefined;
    if (keyText !== undefined && !key) continue;
    if (certText === undefined) {
      // A key without a certificate (kubeadm's "key only" case): issue a certificate for it if it fits the plan.
      const reusable = key && key.algorithm === leaf.algorithm ? key : undefined;
      certificates.set(leaf.id, { plan: leaf, action: 'create', reasons: [], reuseKey: !!reusable, ...(reusable ? { key: reusable, keyPem: keyText! } : {}) });
      continue;
    }
    const cert = loadCertificate(certText, certPath);
    if (!cert || !key) continue;
    if (!cert.matchesKey(key)) {
      problems.push({ path: keyPath, code: 'key-mismatch', message: `the private key does not match the certificate${certPath === keyPath ? '' : ` ${certPath}`}: restore the matching pair, or delete both to have them reissued` });
      continue;
    }
    if (issuer && issuer.action === 'keep' && !cert.isIssuedBy(issuer.certificate!)) {
      problems.push({
        path: certPath,
        code: 'wrong-issuer',
        message: `is not signed by its CA ${leaf.issuer} (issuer "${cert.issuer}"): delete it (and its key) to have it reissued by ${leaf.issuer}, or restore the right CA`,
      });
      continue;
    }
    if (issuer && issuer.action === 'create') {
      problems.push({
        path: certPath,
        code: 'wrong-issuer',
        message: `exists but its CA ${leaf.issuer} does not, so it cannot be verified: restore the CA files, or delete this certificate to have it reissued by a new CA`,
      });
      continue;
    }
    const reasons = actionableDrift(leaf, cert, issuer?.certificate?.notAfter).map((d) => d.message);
    if (cert.notAfter.getTime() - renewBeforeMs <= now.getTime()) {
      reasons.push(cert.notAfter.getTime() <= now.getTime() ? `expired ${cert.notAfter.toISOString()}` : `expires ${cert.notAfter.toISOString()}, inside the renewal window`);
    }
    if (reasons.length === 0) {
      certificates.set(leaf.id, { plan: leaf, action: 'keep', reasons, reuseKey: true, certificate: cert, certificatePem: certText, key, keyPem: keyText! });
    } else {
      const keepKey = key.algorithm === leaf.algorithm;
      certificates.set(leaf.id, { plan: leaf, action: 'reissue', reasons, reuseKey: keepKey, certificate: cert, ...(keepKey ? { key, keyPem: keyText! } : {}) });
    }
  }

  for (const decision of certificates.values()) {
    const issuer = certificates.get(decision.plan.issuer);
    if (decision.action !== 'keep' && !decision.plan.isCa && issuer?.action === 'keep' && issuer.certificate!.notAfter.getTime() <= now.getTime()) {
      problems.push({
        path: filesOf('certificate', issuer.plan.id)[0]?.path ?? issuer.plan.id,
        code: 'ca-expired',
        message: `expired ${issuer.certificate!.notAfter.toISOString()}, so ${decision.plan.id} cannot be issued by it: kubepki never replaces a CA implicitly; move the CA files away to start a new PKI`,
      });
    }
    if (decision.action !== 'keep' && !decision.plan.isCa && issuer?.action === 'keep' && !issuer.key) {
      const file = filesOf('private-key', issuer.plan.id)[0]?.path ?? issuer.plan.id;
      problems.push({
        path: file,
        code: 'no-ca-key',
        message: `is absent (external CA mode), so ${decision.plan.id} cannot be ${decision.action === 'create' ? 'issued' : 'reissued'}: provide it, or place the certificate and key signed by your CA`,
      });
    }
  }

  return { decisions: { certificates, serviceAccountKey: reconcileServiceAccountKey(plan, existing, filesOf, sharedCopy, loadKey, problems) }, problems };
}

function reconcileServiceAccountKey(
  plan: PkiPlan,
  existing: Map<string, ExistingFile>,
  filesOf: (kind: PlannedFile['content']['kind'], id: string) => PlannedFile[],
  sharedCopy: (files: PlannedFile[], what: string) => { text: string; path: string } | undefined | null,
  loadKey: (text: string, file: string) => KeyPair | undefined,
  problems: TreeProblem[],
): KeyPairDecision {
  const sa = plan.keyPairs[0]!;
  const key = sharedCopy(filesOf('private-key', 'sa'), 'the service-account key');
  const pub = sharedCopy(filesOf('public-key', 'sa'), 'the service-account public key');
  if (key === null || pub === null) return { action: 'keep' };
  if (!key) {
    if (pub) problems.push({ path: pub.path, code: 'missing-key', message: 'exists without sa.key: restore sa.key, or remove sa.pub to create a new key pair (invalidates every service-account token)' });
    return { action: 'create' };
  }
  const parsed = loadKey(key.text, key.path);
  if (!parsed) return { action: 'keep' };
  if (pub && pub.text.trim() !== parsed.publicKeyPem().trim()) {
    let matches = false;
    try {
      matches = createPublicKey(pub.text).export({ format: 'der', type: 'spki' }).equals(parsed.publicKeyDer());
    } catch {
      /* reported below */
    }
    if (!matches) {
      problems.push({ path: pub.path, code: 'key-mismatch', message: 'does not match sa.key: delete sa.pub to have it derived from sa.key' });
      return { action: 'keep' };
    }
  }
  if (parsed.algorithm !== sa.algorithm) {
    problems.push({
      path: key.path,
      code: 'ca-change',
      message: `the existing service-account key is ${parsed.algorithm} but the spec asks for ${sa.algorithm}: replacing it would invalidate every service-account token, so kubepki never does it implicitly. Set spec.pki.encryptionAlgorithm: ${parsed.algorithm}, or move sa.key and sa.pub away`,
    });
    return { action: 'keep' };
  }
  return { action: 'keep', key: parsed, keyPem: key.text, ...(pub ? { publicKeyPem: pub.text } : {}) };
}
