import { intermediateMismatches, intermediateSigningCommand, noHostNamesDescription } from '../crypto';
import type { Finding } from './finding';
import { kubeadmCas } from './kubeadm-pki-catalog';
import type { NodeMaterial } from './node-material';
import type { VerifyContext } from './verify-context';

const certificateBlocks = (text: string) =>
  text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];

/**
 * With a plan whose CAs are intermediates of an offline root (spec.pki.caParents): each node's copy of such a CA is
 * checked against the root exactly as generate checked it when it was signed back (signed by the root, CA:TRUE,
 * pathLen 0, keyCertSign, front-proxy-ca's name constraints, the key beside it), and every serving certificate carries that intermediate after itself.
 */
export function checkIntermediates(material: NodeMaterial, context: VerifyContext): Finding[] {
  const plan = context.plan;
  if (!plan) return [];
  const findings: Finding[] = [];
  const prefix = material.directory.prefix;
  for (const rule of kubeadmCas) {
    const ca = plan.certificates.find((c) => c.id === rule.name && c.parent !== undefined);
    const certificate = ca ? material.certificates.get(`${rule.base}.crt`) : undefined;
    if (!ca || !certificate) continue;
    const file = `${prefix}${rule.base}.crt`;
    const root = context.parentCertificates?.get(ca.id);
    if (!root) {
      findings.push({
        id: 'ca.intermediate',
        file,
        severity: 'info',
        message: `${file} is the intermediate ${ca.id} of the offline root ${ca.parent}; its chain was not checked (verify --spec reads the root)`,
      });
      continue;
    }
    const reasons = intermediateMismatches(
      certificate,
      root,
      {
        commonName: ca.subject.commonName,
        algorithm: ca.algorithm,
        pathLength: ca.pathLength ?? 0,
        nameConstraints: ca.nameConstraints,
      },
      material.keys.get(`${rule.base}.key`),
    );
    if (reasons.length > 0) {
      const csr = `${prefix}${rule.base}.csr`;
      findings.push({
        id: 'ca.intermediate',
        file,
        severity: 'error',
        message: `${file} is not the intermediate the plan expects under the offline root ${ca.parent}: ${reasons.join('; ')}; have the root sign ${csr} (${intermediateSigningCommand(csr, ca.parent!, file)})`,
      });
    } else {
      findings.push({
        id: 'ca.intermediate',
        file,
        severity: 'info',
        message: `${file} is the intermediate ${ca.id}, signed by the offline root "${root.subject}" with pathLen 0${ca.nameConstraints ? ` and ${noHostNamesDescription} (it can certify no server)` : ''}: verifiers that read it anchor trust there`,
      });
    }
  }
  for (const planned of plan.files) {
    const content = planned.content;
    if (content.kind !== 'certificate' || !content.bundle || !planned.path.startsWith(prefix) || prefix === '')
      continue;
    const issuer = plan.certificates.find((c) => c.id === content.bundle![0] && c.parent !== undefined);
    const rule = kubeadmCas.find((r) => r.name === issuer?.id);
    const text = material.directory.files.get(planned.path.slice(prefix.length))?.content.toString('utf8');
    const intermediate = rule
      ? (material.certificates.get(`${rule.base}.crt`) ?? context.cas.get(rule.name)?.certificate)
      : undefined;
    if (!issuer || !text || !intermediate) continue;
    const chain = certificateBlocks(text).slice(1);
    if (chain.length !== 1 || chain[0]!.replace(/\s/g, '') !== intermediate.pem.trim().replace(/\s/g, '')) {
      findings.push({
        id: 'chain.intermediate',
        file: planned.path,
        severity: 'error',
        message: `${planned.path} should hold the serving certificate followed by the intermediate ${issuer.id} (clients that trust only the offline root build the path from it), but holds ${chain.length} certificate${chain.length === 1 ? '' : 's'} after it${chain.length === 1 ? ' that is not the intermediate' : ''}: run kubepki generate`,
      });
    }
  }
  return findings;
}
