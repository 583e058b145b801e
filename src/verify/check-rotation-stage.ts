import { createPublicKey, X509Certificate } from 'node:crypto';
import { authoritiesOf, type PkiPlan, type PlannedFile } from '../plan';
import type { Finding } from './finding';

const certificateBlocks = (text: string) =>
  text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
const keyBlocks = (text: string) => text.match(/-----BEGIN ([A-Z ]+)-----[\s\S]+?-----END \1-----/g) ?? [];
const commonNameOf = (name: string) => /(?:^|\n|, )CN=([^\n,]+)/.exec(name)?.[1];

/**
 * The stage of every rotated authority, as the files show it: each trust file holds exactly the generations the
 * stage trusts, the signer first (kubeadm pairs the first with the key); each leaf is issued by the stage's signer;
 * sa.pub holds as many keys as the stage accepts, sa.key's first. Runs for a plan whose authorities were rotated.
 */
export function checkRotationStage(
  plan: PkiPlan,
  placed: { planned: PlannedFile; path: string }[],
  read: (path: string) => string | undefined,
): Finding[] {
  if (!plan.authorities) return [];
  const findings: Finding[] = [];
  const cn = new Map(plan.certificates.map((c) => [c.id, c.subject.commonName]));
  const stageOf = (id: string) => {
    const a = authoritiesOf(plan).find((x) => x.trusted.includes(id));
    return a ? `spec.pki.rotation.${a.authority} (generation ${a.generation}, ${a.phase})` : 'the plan';
  };
  for (const { planned, path } of placed) {
    const text = read(path);
    if (text === undefined) continue; // missing files are drift findings already
    const { kind, of } = planned.content;
    if (kind === 'certificate') {
      const certificates = certificateBlocks(text).map((pem) => new X509Certificate(pem));
      const actual = certificates.map((c) => commonNameOf(c.subject) ?? '?');
      const plannedCa = plan.certificates.find((c) => c.id === of);
      if (plannedCa?.isCa) {
        const expected = [of, ...(planned.content.bundle ?? [])].map((id) => cn.get(id)!);
        if (actual.join() !== expected.join()) {
          findings.push({
            id: 'rotation.trust-bundle',
            file: path,
            severity: 'error',
            message: `${path} holds [${actual.join(', ')}] but ${stageOf(of)} trusts [${expected.join(', ')}], signer first: run kubepki generate, then roll the file out`,
          });
        }
      } else if (plannedCa && certificates[0]) {
        const issuer = commonNameOf(certificates[0].issuer);
        const signer = cn.get(plannedCa.issuer);
        if (issuer !== signer) {
          findings.push({
            id: 'rotation.signer',
            file: path,
            severity: 'error',
            message: `${path} is issued by ${issuer ?? 'an unknown CA'} but ${stageOf(plannedCa.issuer)} has ${signer} sign it: run kubepki generate to reissue it`,
          });
        }
      }
    }
    if (kind === 'kubeconfig') {
      const kubeconfig = plan.kubeconfigs.find((k) => k.id === of)!;
      const clusterCa = authoritiesOf(plan).find((a) => a.authority === 'clusterCA')!;
      const decoded = (name: string) =>
        Buffer.from(new RegExp(`${name}: (\\S+)`).exec(text)?.[1] ?? '', 'base64').toString('utf8');
      const caNames = certificateBlocks(decoded('certificate-authority-data')).map(
        (pem) => commonNameOf(new X509Certificate(pem).subject) ?? '?',
      );
      const expected = clusterCa.trusted.map((id) => cn.get(id)!);
      if (caNames.join() !== expected.join()) {
        findings.push({
          id: 'rotation.trust-bundle',
          file: path,
          severity: 'error',
          message: `${path}'s certificate-authority-data holds [${caNames.join(', ')}] but ${stageOf(clusterCa.signer)} trusts [${expected.join(', ')}]: run kubepki generate and hand it out again`,
        });
      }
      const client = certificateBlocks(decoded('client-certificate-data'))[0];
      const signer = cn.get(plan.certificates.find((c) => c.id === kubeconfig.certificate)!.issuer);
      const issuer = client ? commonNameOf(new X509Certificate(client).issuer) : undefined;
      if (client && issuer !== signer) {
        findings.push({
          id: 'rotation.signer',
          file: path,
          severity: 'error',
          message: `${path}'s client certificate is issued by ${issuer ?? 'an unknown CA'} but ${stageOf(clusterCa.signer)} has ${signer} sign it: run kubepki generate and hand it out again`,
        });
      }
    }
    if (kind === 'public-key') {
      const expected = 1 + (planned.content.bundle?.length ?? 0);
      const keys = keyBlocks(text).length;
      const signerFile = placed.find((p) => p.planned.content.kind === 'private-key' && p.planned.content.of === of);
      const signerText = signerFile ? read(signerFile.path) : undefined;
      const first = keyBlocks(text)[0];
      const firstIsSigner =
        signerText === undefined ||
        first === undefined ||
        createPublicKey(signerText)
          .export({ format: 'der', type: 'spki' })
          .equals(createPublicKey(first).export({ format: 'der', type: 'spki' }));
      if (keys !== expected || !firstIsSigner) {
        findings.push({
          id: 'rotation.trust-bundle',
          file: path,
          severity: 'error',
          message: `${path} holds ${keys} key${keys === 1 ? '' : 's'}${firstIsSigner ? '' : ", the first not sa.key's"} but ${stageOf(of)} accepts ${expected}, the signing key first: run kubepki generate, then roll it out`,
        });
      }
    }
  }
  return findings;
}
