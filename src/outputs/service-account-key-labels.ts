/**
 * sa.pub names the generation of every key from the first rotation on: a comment line before the PEM block,
 * `# kubepki service-account key sa-2`. Unlike a CA, whose CN says `etcd-ca-2`, a bare key carries no name, so without
 * it a tree at `{generation: 2, phase: finish}` could not be told from one never rotated. PEM readers skip text
 * outside BEGIN/END (Go's pem.Decode, which kube-apiserver's --service-account-key-file goes through; OpenSSL), so the
 * file stays valid for every component. Generation 1 stays unlabelled, so a never-rotated sa.pub is kubeadm's, byte
 * for byte.
 */
const labelPrefix = '# kubepki service-account key ';

/** A public key PEM as sa.pub holds it: labelled with its id (`sa-2`) unless it is generation 1 (`sa`). */
export function labelServiceAccountPublicKey(id: string, publicKeyPem: string): string {
  return id === 'sa' ? publicKeyPem : `${labelPrefix}${id}\n${publicKeyPem}`;
}

/** The id of every public key in an sa.pub, in order: its label, or `sa` (generation 1) when it has none. */
export function serviceAccountKeyIds(text: string): string[] {
  const blocks = text.matchAll(new RegExp(`(?:^|\\n)(?:${labelPrefix}(sa-\\d+)\\n)?-----BEGIN PUBLIC KEY-----`, 'g'));
  return [...blocks].map((m) => m[1] ?? 'sa');
}
