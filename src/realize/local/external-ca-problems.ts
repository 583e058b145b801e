import type { CertificatePlan, ExternalCaExchange } from '../../plan';
import type { TreeProblem } from './realize-error';

/**
 * What the outside CA must put in the certificate, in the words of a signing request: the plan's usages and validity
 * (the CSR carries the subject, the SANs and the usages; the validity is the CA's to set).
 */
function signingTerms(plan: CertificatePlan): string {
  const extended = plan.extendedKeyUsages.length > 0 ? `, extended key usage ${plan.extendedKeyUsages.join(', ')}` : '';
  const days = plan.validityHours % 24 === 0 ? ` (openssl -days ${plan.validityHours / 24})` : '';
  return `key usage ${plan.keyUsages.join(', ')}${extended}, valid ${plan.validityHours}h${days}`;
}

/** How the certificate goes back: a pki/ file replaces the planned .crt; a kubeconfig's is embedded by kubepki. */
function saveAs(exchange: ExternalCaExchange): string {
  return exchange.kubeconfigFile !== undefined
    ? `save the certificate as ${exchange.returnedFile} (kubepki embeds it in ${exchange.kubeconfigFile})`
    : `save the certificate as ${exchange.returnedFile}`;
}

const runCsr = 'run `kubepki csr <spec> --out <dir>`';

/**
 * The leaf's certificate has not come back from the outside CA (`requested`: its CSR is there — the key kubepki made,
 * or the user's CSR copied into the tree). kubepki cannot issue it: the CA key is not in the tree.
 */
export function externalCaCertificateMissing(exchange: ExternalCaExchange, requested: boolean): TreeProblem {
  const csr = exchange.requestFile;
  const writes = exchange.keyFile !== undefined ? `the key and ${csr}` : `${csr}, a copy of the user's CSR`;
  const first = requested ? '' : `${runCsr} first (it writes ${writes}), then `;
  return {
    path: exchange.returnedFile,
    code: 'no-ca-key',
    message: `is missing, and ${exchange.certificate.issuer} is an outside CA (spec.pki.caKeys.${exchange.certificate.issuer}: external-ca) whose key kubepki never holds: ${first}have that CA sign ${csr} (${signingTerms(exchange.certificate)}) and ${saveAs(exchange)}`,
  };
}

/** The returned certificate no longer fits the plan (spec changed, drift, or inside the renewal window). */
export function externalCaCertificateOutdated(exchange: ExternalCaExchange, reasons: readonly string[]): TreeProblem {
  return {
    path: exchange.returnedFile,
    code: 'no-ca-key',
    message: `does not match the plan (${reasons.join('; ')}), and only the outside CA ${exchange.certificate.issuer} can issue it: have that CA sign ${exchange.requestFile} again, copying the CSR's extensions (${signingTerms(exchange.certificate)}), and ${saveAs(exchange)}; after a spec change, ${runCsr} first (it rewrites the CSR with the planned subject and SANs, keeping the key)`,
  };
}

/** The returned certificate certifies another key than the one kubepki made with the CSR. */
export function externalCaWrongKey(exchange: ExternalCaExchange): TreeProblem {
  return {
    path: exchange.returnedFile,
    code: 'key-mismatch',
    message: `certifies another key than ${exchange.keyFile} (the key kubepki made for ${exchange.requestFile}): the outside CA signed some other request; have it sign ${exchange.requestFile} and ${saveAs(exchange)}`,
  };
}

/** The returned certificate was not signed by the CA certificate in the tree. */
export function externalCaWrongIssuer(exchange: ExternalCaExchange, issuerName: string, caFile: string): TreeProblem {
  return {
    path: exchange.returnedFile,
    code: 'wrong-issuer',
    message: `is not signed by ${caFile} (its issuer is "${issuerName}"): have the CA whose certificate is ${caFile} sign ${exchange.requestFile} and ${saveAs(exchange)}, or place that CA's certificate in ${caFile} if it is the one that should sign`,
  };
}

/** A certificate came back but the key kubepki made for its CSR is gone. */
export function externalCaKeyMissing(exchange: ExternalCaExchange): TreeProblem {
  return {
    path: exchange.returnedFile,
    code: 'missing-key',
    message: `is here but ${exchange.keyFile}, which holds its key, is missing: restore it, or ${runCsr} for a new key and CSR and have ${exchange.requestFile} signed again`,
  };
}
