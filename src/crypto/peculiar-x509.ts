import { webcrypto } from 'node:crypto';
import type * as X509 from '@peculiar/x509';

let loaded: typeof X509 | undefined;

/**
 * @peculiar/x509, loaded on first use. kubepki needs it only to make and read CSRs; loading it (with asn1js and its
 * schemas) cost every verb that touches crypto ~0.1 s of start-up, although `generate`, `verify` and `expiry` never call it.
 */
export function peculiarX509(): typeof X509 {
  if (!loaded) {
    // Its decorators need a Reflect polyfill first; loaded here, so no verb that never reads a CSR pays for it.
    require('reflect-metadata');
    loaded = require('@peculiar/x509') as typeof X509;
    loaded.cryptoProvider.set(webcrypto as unknown as Crypto);
  }
  return loaded;
}
