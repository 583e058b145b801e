import type { PkiPlan } from '../plan';
import type { CertificateSigner } from '../crypto';
import { UsageError } from './cli-io';

/**
 * `--signer <ca>=<uri>`: how to reach the signer of a CA whose key kubepki does not hold. The uri's scheme says which
 * signer (`cfssl:http://127.0.0.1:8888`, `pkcs11:…`); secrets (cfssl's auth key, the token PIN) come from the
 * environment, never from arguments, which other users of the machine can read in the process list.
 */
export async function openSigners(options: string[], plan: PkiPlan): Promise<Map<string, CertificateSigner>> {
  const signers = new Map<string, CertificateSigner>();
  for (const option of options) {
    const at = option.indexOf('=');
    const caId = option.slice(0, at);
    const uri = option.slice(at + 1);
    const ca = plan.certificates.find((c) => c.isCa && c.id === caId);
    if (at < 0 || !ca) {
      throw new UsageError(
        `--signer ${JSON.stringify(option)}: expected <ca>=<uri> with <ca> one of ${plan.certificates
          .filter((c) => c.isCa)
          .map((c) => c.id)
          .join(', ')}`,
      );
    }
    if (signers.has(caId)) throw new UsageError(`--signer ${caId}= is given twice`);
    const scheme = uri.slice(0, uri.indexOf(':'));
    if (scheme === 'cfssl') {
      const { CfsslSigner } = await import('../crypto/cfssl-signer');
      signers.set(caId, CfsslSigner.fromUri(uri, process.env));
    } else if (scheme === 'pkcs11') {
      const { Pkcs11Signer } = await import('../crypto/pkcs11-signer');
      signers.set(caId, await Pkcs11Signer.open(uri, process.env));
    } else {
      throw new UsageError(
        `--signer ${caId}=${JSON.stringify(uri)}: use cfssl:http://host:port (cfssl serve) or pkcs11:module=…;token=…;object=… (an HSM)`,
      );
    }
  }
  return signers;
}
