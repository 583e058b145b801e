import { X509Certificate, createHash } from 'node:crypto';

// A pin is a pure function of the certificate's text, and the same few CA texts are pinned once per node (every
// worker's kubeadm.yaml, every join): remembering the last few by their whole text spares a parse and a key export
// each time, and different bytes are always computed afresh.
const recentPins = new Map<string, string>();
const recentPinsKept = 16;

/**
 * kubeadm's CA pin (`discovery.bootstrapToken.caCertHashes`, `--discovery-token-ca-cert-hash`): `sha256:` and the
 * lower-case hex SHA-256 of the certificate's DER SubjectPublicKeyInfo, as kubeadm's pubkeypin.Hash computes it
 * from x509.Certificate.RawSubjectPublicKeyInfo. Pinning the key, not the certificate, survives a CA re-issue with
 * the same key.
 */
export function publicKeyPin(certificatePem: string): string {
  const known = recentPins.get(certificatePem);
  if (known !== undefined) return known;
  const spki = new X509Certificate(certificatePem).publicKey.export({ type: 'spki', format: 'der' });
  const pin = `sha256:${createHash('sha256').update(spki).digest('hex')}`;
  if (recentPins.size >= recentPinsKept) recentPins.delete(recentPins.keys().next().value!);
  recentPins.set(certificatePem, pin);
  return pin;
}

/**
 * One pin per certificate of a trust bundle, in its order, without repeats. During a cluster-CA rotation ca.crt holds
 * both generations, and kubeadm's token discovery accepts the cluster when any CA of cluster-info matches any pin
 * (`pubkeypin.Set.CheckAny`), so pinning every one lets a join work whichever generation cluster-info carries.
 */
export function publicKeyPins(bundlePem: string): string[] {
  const blocks = bundlePem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return [...new Set(blocks.map(publicKeyPin))];
}
