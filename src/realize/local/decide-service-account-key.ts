import { createPublicKey } from 'node:crypto';
import type { ExistingMaterial } from './existing-material';
import type { ServiceAccountKeyDecision } from './material-decisions';

/** Keep sa.key (and sa.pub) when they are there and agree; create them when neither is. Undefined on a problem. */
export function decideServiceAccountKey(existing: ExistingMaterial): ServiceAccountKeyDecision | undefined {
  const sa = existing.plan.keyPairs[0]!;
  const keyCopy = existing.sharedCopy(existing.filesOf('private-key', 'sa'), 'the service-account key');
  const pub = existing.sharedCopy(existing.filesOf('public-key', 'sa'), 'the service-account public key');
  if (keyCopy === null || pub === null) return undefined;
  if (!keyCopy) {
    if (!pub) return { action: 'create' };
    existing.problems.push({
      path: pub.path,
      code: 'missing-key',
      message:
        'exists without sa.key: restore sa.key, or remove sa.pub to create a new key pair (invalidates every service-account token)',
    });
    return undefined;
  }
  const key = existing.key(keyCopy.text, keyCopy.path);
  if (!key) return undefined;
  if (pub && pub.text.trim() !== key.pair.publicKeyPem().trim()) {
    let matches = false;
    try {
      matches = createPublicKey(pub.text).export({ format: 'der', type: 'spki' }).equals(key.pair.publicKeyDer());
    } catch {
      // not a public key: reported as a mismatch
    }
    if (!matches) {
      existing.problems.push({
        path: pub.path,
        code: 'key-mismatch',
        message: 'does not match sa.key: delete sa.pub to have it derived from sa.key',
      });
      return undefined;
    }
  }
  if (key.pair.algorithm !== sa.algorithm) {
    existing.problems.push({
      path: keyCopy.path,
      code: 'ca-change',
      message: `the existing service-account key is ${key.pair.algorithm} but the spec asks for ${sa.algorithm}: replacing it would invalidate every service-account token, so kubepki never does it implicitly. Set spec.pki.encryptionAlgorithm: ${key.pair.algorithm} to keep it, or change it through a staged rotation (spec.pki.rotation.serviceAccountKey: {generation: 2, phase: trust}, then issue, then finish)`,
    });
    return undefined;
  }
  return { action: 'keep', key, ...(pub ? { publicKeyPem: pub.text } : {}) };
}
