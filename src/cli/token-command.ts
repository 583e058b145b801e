import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash, X509Certificate } from 'node:crypto';
import { loadSpecFile, parseDurationSeconds } from '../spec';
import { KeyPair, mintServiceAccountToken, verifyServiceAccountToken } from '../crypto';
import { parseKubeconfig, renderKubeconfigObject } from '../outputs';
import { writeFileAtomic } from '../realize/local/atomic-write';
import { onFileSystem } from '../realize/local/file-system-error';
import { exitCodes, UsageError, type CliIo } from './cli-io';
import { parseVerbArgs } from './parse-verb-args';
import { verbNamed } from './verbs';

/** `<node dir>` or its `pki/`: wherever sa.key lives. */
function pkiDirectory(dir: string | undefined): string {
  if (!dir)
    throw new UsageError(
      '--pki <node dir> is required (a control-plane node directory of `kubepki generate`, or its pki/)',
    );
  for (const candidate of [dir, path.join(dir, 'pki')])
    if (fs.existsSync(path.join(candidate, 'sa.pub'))) return candidate;
  throw new UsageError(
    `no sa.pub in ${dir} or ${path.join(dir, 'pki')}: point --pki at a control-plane node directory`,
  );
}

/** The flags of `token` (see verbs.ts), as parsed. */
interface TokenFlags {
  pki?: string;
  'service-account'?: string;
  uid?: string;
  audience?: string[];
  duration: string;
  issuer?: string;
  'dns-domain': string;
  kubeconfig?: string;
  server?: string;
  'cluster-name'?: string;
  spec?: string;
  'allow-undeclared'?: boolean;
}

/**
 * A token is minted only for a service account the spec declares (spec.serviceAccounts), so a typo cannot hand out
 * a credential for an account nobody reviewed; --allow-undeclared is the explicit way around it.
 */
function checkDeclared(namespace: string, name: string, specFile: string | undefined, allowUndeclared: boolean): void {
  if (allowUndeclared) return;
  const account = `${namespace}/${name}`;
  if (!specFile) {
    throw new UsageError(
      `--service-account ${account}: pass --spec <spec> so that kubepki can check that the spec declares it (spec.serviceAccounts), or --allow-undeclared to mint a token for an account the spec does not manage`,
    );
  }
  const declared = loadSpecFile(specFile).spec.serviceAccounts;
  if (declared.some((a) => a.namespace === namespace && a.name === name)) return;
  const known = declared.map((a) => `${a.namespace}/${a.name}`).join(', ') || 'none';
  throw new UsageError(
    `--service-account ${account} is not declared in ${specFile} (spec.serviceAccounts: ${known}): add it there, or pass --allow-undeclared`,
  );
}

/**
 * Mints a service-account token signed with sa.key (the JWT alone on stdout's last line), or verifies one against
 * sa.pub and prints the identity or the exact reason kube-apiserver would reject it.
 */
export async function tokenCommand(args: string[], io: CliIo): Promise<number> {
  const { values: raw, positionals } = parseVerbArgs(verbNamed('token')!, args);
  const values = raw as unknown as TokenFlags;
  const issuer = values.issuer ?? `https://kubernetes.default.svc.${values['dns-domain']}`;
  const audiences = values.audience?.length ? values.audience : [issuer];
  if (positionals[0] === 'verify' && !positionals[1])
    throw new UsageError('expected the token: kubepki token verify <jwt> --pki <dir>');
  const pki = pkiDirectory(values.pki);

  if (positionals[0] === 'verify') {
    const token = positionals[1]!;
    const review = await verifyServiceAccountToken(token.trim(), fs.readFileSync(path.join(pki, 'sa.pub'), 'utf8'), {
      issuer,
      audiences,
    });
    if (!review.authenticated) {
      io.stdout(`rejected: ${review.reason}`);
      return exitCodes.failed;
    }
    io.stdout(`authenticated: ${review.user}`);
    io.stdout(`groups: ${review.groups.join(', ')}`);
    io.stdout(
      `uid: ${review.uid ?? "(none: kube-apiserver rejects a token whose UID differs from the ServiceAccount's)"}`,
    );
    io.stdout(`expires: ${review.expiresAt.toISOString()}`);
    return exitCodes.ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected ${JSON.stringify(positionals[0])}`);

  const account = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9]*[a-z0-9])?)$/.exec(
    values['service-account'] ?? '',
  );
  if (!account)
    throw new UsageError(
      `--service-account ${JSON.stringify(values['service-account'] ?? '')}: expected <namespace>/<name>, e.g. ci/deployer`,
    );
  const seconds = parseDurationSeconds(values.duration);
  if (seconds === undefined || seconds < 1)
    throw new UsageError(
      `--duration ${JSON.stringify(values.duration)}: expected a positive Go duration like 1h or 30m`,
    );
  const keyFile = path.join(pki, 'sa.key');
  let key: KeyPair;
  try {
    key = KeyPair.fromPem(fs.readFileSync(keyFile));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : (error as Error).message;
    throw new UsageError(
      `${keyFile} ${reason}: point --pki at a control-plane node directory that holds the service-account key pair`,
    );
  }
  const [namespace, name] = [account[1]!, account[3]!];
  checkDeclared(namespace, name, values.spec, values['allow-undeclared'] ?? false);
  const token = await mintServiceAccountToken(key, {
    namespace,
    name,
    ...(values.uid ? { uid: values.uid } : {}),
    audiences,
    issuer,
    expiresInSeconds: Math.round(seconds),
    now: new Date(),
  });
  if (!values.uid)
    io.stderr(
      "note: no --uid; a real kube-apiserver rejects the token unless its UID claim equals the ServiceAccount's metadata.uid",
    );
  if (values.kubeconfig) {
    writeTokenKubeconfig(
      values.kubeconfig,
      pki,
      token,
      `system:serviceaccount:${namespace}:${name}`,
      namespace,
      values.server,
      values['cluster-name'],
    );
    io.stderr(`wrote ${values.kubeconfig}`);
  }
  io.stdout(token);
  return exitCodes.ok;
}

/** A CI/CD kubeconfig: the node's CA and apiserver endpoint (from its admin.conf unless --server), the token as user. */
function writeTokenKubeconfig(
  file: string,
  pki: string,
  token: string,
  user: string,
  namespace: string,
  server: string | undefined,
  clusterScope: string | undefined,
): void {
  const nodeDir = path.basename(pki) === 'pki' ? path.dirname(pki) : pki;
  const admin = fs.existsSync(path.join(nodeDir, 'admin.conf'))
    ? parseKubeconfig(fs.readFileSync(path.join(nodeDir, 'admin.conf'), 'utf8'))
    : undefined;
  const url = server ?? admin?.server;
  if (!url)
    throw new UsageError(
      '--server <https://host:port> is required: no admin.conf beside the pki directory to take it from',
    );
  const caPem = fs.readFileSync(path.join(pki, 'ca.crt'), 'utf8');
  // Named after this cluster's CA, not kubeadm's shared default "kubernetes": merged with other clusters' kubeconfigs
  // (KUBECONFIG=a:b), this file's user and cluster entries must never shadow another's, nor be shadowed.
  const clusterName = clusterScope ?? `${admin?.clusterName ?? 'kubernetes'}-${caFingerprint(caPem).slice(0, 8)}`;
  const context = `${user}@${clusterName}`;
  const text = renderKubeconfigObject({
    clusterName,
    server: url,
    caCertificatePem: caPem,
    userName: context,
    user: { token },
    contexts: [{ name: context, namespace }],
    currentContext: context,
  });
  onFileSystem('write', file, 'Nothing was written.', () => {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    writeFileAtomic(path.resolve(file), text, 0o600);
  });
}

/** SHA-256 of the CA certificate's DER, hex: the same for every file of one cluster, different across clusters. */
function caFingerprint(caPem: string): string {
  return createHash('sha256').update(new X509Certificate(caPem).raw).digest('hex');
}
