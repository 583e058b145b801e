import * as yaml from 'js-yaml';

/**
 * A copy of a kubeconfig with its cluster entries changed, everything else (users, credentials, contexts) byte-for-byte
 * the same data: to point a generated kubeconfig at a local stand-in (`server`), or to swap its trust anchor (`caPem`)
 * or the name kubectl checks the serving certificate against (`tlsServerName`). Never sets insecure-skip-tls-verify.
 */
export function copyKubeconfig(
  text: string,
  change: { server?: string; caPem?: string; tlsServerName?: string },
): string {
  const doc = yaml.load(text) as { clusters?: { cluster?: Record<string, unknown> }[] };
  if (!doc || !Array.isArray(doc.clusters) || doc.clusters.length === 0) throw new Error('kubeconfig has no clusters');
  for (const entry of doc.clusters) {
    const cluster = (entry.cluster ??= {});
    if (change.server !== undefined) cluster.server = change.server;
    if (change.caPem !== undefined)
      cluster['certificate-authority-data'] = Buffer.from(change.caPem).toString('base64');
    if (change.tlsServerName !== undefined) cluster['tls-server-name'] = change.tlsServerName;
    if (cluster['insecure-skip-tls-verify']) throw new Error('kubeconfig disables server verification');
  }
  return yaml.dump(doc, { lineWidth: -1, noRefs: true });
}
