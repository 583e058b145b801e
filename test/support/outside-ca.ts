import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { externalCaExchanges, type ExternalCaExchange, type PkiPlan } from '../../src/plan';

/** A CA kubepki never sees the key of: made by OpenSSL in its own directory, as an organisation's CA would be. */
export interface OutsideCa {
  certificate: string;
  key: string;
}

const run = (command: string, args: string[]) => execFileSync(command, args, { stdio: 'pipe', timeout: 30_000 });

/** An ECDSA P-256 CA made by `openssl req -x509` (10 years unless `days` says otherwise) under `dir`. */
export function makeOutsideCa(dir: string, name: string, commonName: string, days = 3650): OutsideCa {
  fs.mkdirSync(dir, { recursive: true });
  const ca = { certificate: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
  run('openssl', [
    'req',
    '-x509',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    ca.key,
    '-out',
    ca.certificate,
    '-days',
    String(days),
    '-subj',
    `/CN=${commonName}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,digitalSignature,keyCertSign',
  ]);
  return ca;
}

/** One outside CA per CA id of the plan, named as kubeadm names them. */
export function makeOutsideCas(dir: string, plan: PkiPlan): Map<string, OutsideCa> {
  const cas = new Map<string, OutsideCa>();
  for (const ca of plan.certificates.filter((c) => c.isCa))
    cas.set(ca.id, makeOutsideCa(dir, ca.id, ca.subject.commonName));
  return cas;
}

/** Copies each outside CA's certificate (never its key) wherever the plan puts that CA's certificate. */
export function placeCaCertificates(plan: PkiPlan, out: string, cas: ReadonlyMap<string, OutsideCa>): void {
  for (const file of plan.files) {
    if (file.content.kind !== 'certificate' || !cas.has(file.content.of)) continue;
    fs.mkdirSync(path.dirname(path.join(out, file.path)), { recursive: true, mode: 0o700 });
    fs.copyFileSync(cas.get(file.content.of)!.certificate, path.join(out, file.path));
  }
}

/**
 * `openssl x509 -req` as the outside CA: signs `csr` into `certificate`, copying the CSR's extensions (subject,
 * SANs and usages as kubepki requested them) unless `extensions` (an extfile section) says otherwise.
 */
export function opensslSign(
  csr: string,
  ca: OutsideCa,
  certificate: string,
  options: { days?: number; extensions?: string } = {},
): void {
  const args = [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.certificate,
    '-CAkey',
    ca.key,
    '-days',
    String(options.days ?? 365),
    '-out',
    certificate,
  ];
  if (options.extensions !== undefined) {
    const extfile = `${certificate}.ext`;
    fs.writeFileSync(extfile, options.extensions);
    args.push('-extfile', extfile);
    try {
      run('openssl', args);
    } finally {
      fs.rmSync(extfile, { force: true });
    }
    return;
  }
  run('openssl', [...args, '-copy_extensions', 'copyall']);
}

/** Signs every CSR `kubepki csr` wrote with the outside CA of its issuer, and drops each certificate beside it. */
export function signAllRequests(plan: PkiPlan, out: string, cas: ReadonlyMap<string, OutsideCa>): ExternalCaExchange[] {
  const exchanges = externalCaExchanges(plan);
  for (const e of exchanges)
    opensslSign(path.join(out, e.requestFile), cas.get(e.certificate.issuer)!, path.join(out, e.returnedFile));
  return exchanges;
}

/**
 * The whole external-CA round trip into `out`: `kubepki csr`, every CSR signed by the outside CA of its issuer, the
 * CA certificates placed, `generate` finishing the tree. Returns the outside CAs (made under `caDir`).
 */
export async function realizeWithOutsideCas(
  plan: PkiPlan,
  out: string,
  caDir: string,
): Promise<Map<string, OutsideCa>> {
  const { realizeLocal, requestCertificates } = await import('../../src/realize/local');
  const cas = makeOutsideCas(caDir, plan);
  await requestCertificates(plan, out);
  signAllRequests(plan, out, cas);
  placeCaCertificates(plan, out, cas);
  await realizeLocal(plan, out);
  return cas;
}
