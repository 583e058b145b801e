/**
 * Reads a kubeconfig for tests with js-yaml directly (not `src/outputs`), keeping every cluster, user and context so a
 * test can insist on exactly one of each.
 */
import * as yaml from 'js-yaml';

export interface KubeconfigFile {
  clusters: { name: string; server: string; certificateAuthorityData: string }[];
  users: { name: string; clientCertificateData: string; clientKeyData: string }[];
  contexts: { name: string; cluster: string; user: string; namespace?: string }[];
  currentContext: string | undefined;
  kind: unknown;
  apiVersion: unknown;
}

/** The single cluster/user/context of a kubeconfig kubeadm-style, with `*-data` fields decoded to PEM text. */
export interface SingleIdentityKubeconfig {
  clusterName: string;
  server: string;
  /** Decoded `certificate-authority-data` (PEM). */
  caPem: string;
  userName: string;
  /** Decoded `client-certificate-data` (PEM). */
  clientCertificatePem: string;
  /** Decoded `client-key-data` (PEM). */
  clientKeyPem: string;
  contextName: string;
  currentContext: string | undefined;
  file: KubeconfigFile;
}

const decode = (value: unknown): string =>
  typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : '';

/** Parses kubeconfig YAML; `*-data` fields are decoded from base64. Missing fields become empty strings. */
export function readKubeconfig(text: string): KubeconfigFile {
  const doc = (yaml.load(text) ?? {}) as Record<string, any>;
  return {
    kind: doc.kind,
    apiVersion: doc.apiVersion,
    clusters: (doc.clusters ?? []).map((c: any) => ({
      name: String(c?.name ?? ''),
      server: String(c?.cluster?.server ?? ''),
      certificateAuthorityData: decode(c?.cluster?.['certificate-authority-data']),
    })),
    users: (doc.users ?? []).map((u: any) => ({
      name: String(u?.name ?? ''),
      clientCertificateData: decode(u?.user?.['client-certificate-data']),
      clientKeyData: decode(u?.user?.['client-key-data']),
    })),
    contexts: (doc.contexts ?? []).map((c: any) => ({
      name: String(c?.name ?? ''),
      cluster: String(c?.context?.cluster ?? ''),
      user: String(c?.context?.user ?? ''),
      ...(c?.context?.namespace ? { namespace: String(c.context.namespace) } : {}),
    })),
    currentContext: typeof doc['current-context'] === 'string' ? doc['current-context'] : undefined,
  };
}

/** Like {@link readKubeconfig}, but throws unless there is exactly one cluster, one user and one context. */
export function readSingleIdentityKubeconfig(text: string): SingleIdentityKubeconfig {
  const file = readKubeconfig(text);
  if (file.clusters.length !== 1 || file.users.length !== 1 || file.contexts.length !== 1) {
    throw new Error(
      `expected one cluster, user and context; found ${file.clusters.length}, ${file.users.length}, ${file.contexts.length}`,
    );
  }
  const [cluster, user, context] = [file.clusters[0]!, file.users[0]!, file.contexts[0]!];
  return {
    clusterName: cluster.name,
    server: cluster.server,
    caPem: cluster.certificateAuthorityData,
    userName: user.name,
    clientCertificatePem: user.clientCertificateData,
    clientKeyPem: user.clientKeyData,
    contextName: context.name,
    currentContext: file.currentContext,
    file,
  };
}

/** The host of a kubeconfig `server` URL without brackets (`https://[::1]:6443` → `::1`). */
export function serverHost(server: string): string {
  return new URL(server).hostname.replace(/^\[(.*)\]$/, '$1');
}
