import * as nodePath from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import type { CertificateContent } from '../../vocabulary';

/**
 * @pulumi/tls holds one `organization` per subject, so a certificate for a user in several groups (one O per group,
 * which Kubernetes reads as the groups) cannot be expressed with it. This dynamic resource issues exactly those
 * certificates with kubepki's own crypto module, signed by the same CA key as every tls.LocallySignedCert.
 */
export interface MultiGroupCertificateInputs {
  template: pulumi.Input<CertificateContent>;
  privateKeyPem: pulumi.Input<string>;
  caCertPem: pulumi.Input<string>;
  caPrivateKeyPem: pulumi.Input<string>;
  /** Replace the certificate this many hours before it expires, like the tls provider's early_renewal_hours. */
  earlyRenewalHours: pulumi.Input<number>;
}

interface ProviderInputs {
  template: CertificateContent;
  privateKeyPem: string;
  caCertPem: string;
  caPrivateKeyPem: string;
  earlyRenewalHours: number;
}

/** State kept by Pulumi: the certificate, what it was issued from — private keys only as SHA-256 digests. */
interface ProviderOutputs {
  certPem: string;
  validityEndTime: string;
  template: CertificateContent;
  caCertPem: string;
  privateKeyDigest: string;
  caPrivateKeyDigest: string;
  earlyRenewalHours: number;
}

// The provider runs in Pulumi's dynamic-provider host, a separate Node process that receives this object through
// Pulumi's closure serializer: it may capture only plain values. The compiled package entry is captured as an
// absolute path (resolved here, through the package's self-reference; the crypto stage is not public API, so its
// compiled index is found beside the package entry) and required inside each method.
const cryptoEntry = nodePath.join(nodePath.dirname(require.resolve('kubepki')), 'crypto');

const provider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: ProviderInputs) {
    require('reflect-metadata');
    const kubepki = require(cryptoEntry) as typeof import('../../crypto');
    const digest = (text: string) =>
      (require('node:crypto') as typeof import('node:crypto')).createHash('sha256').update(text).digest('hex');
    const certPem = await kubepki.issueCertificatePem(
      inputs.template,
      inputs.privateKeyPem,
      inputs.caCertPem,
      inputs.caPrivateKeyPem,
      new Date(),
    );
    const issued = kubepki.ParsedCertificate.fromPem(certPem);
    const outs: ProviderOutputs = {
      certPem,
      validityEndTime: issued.notAfter.toISOString(),
      template: inputs.template,
      caCertPem: inputs.caCertPem,
      privateKeyDigest: digest(inputs.privateKeyPem),
      caPrivateKeyDigest: digest(inputs.caPrivateKeyPem),
      earlyRenewalHours: inputs.earlyRenewalHours,
    };
    return { id: issued.serialNumber, outs };
  },
  async diff(_id: string, olds: ProviderOutputs, news: ProviderInputs) {
    const digest = (text: string) =>
      (require('node:crypto') as typeof import('node:crypto')).createHash('sha256').update(text).digest('hex');
    const replaces: string[] = [];
    if (JSON.stringify(olds.template) !== JSON.stringify(news.template)) replaces.push('template');
    if (olds.caCertPem !== news.caCertPem) replaces.push('caCertPem');
    if (olds.privateKeyDigest !== digest(news.privateKeyPem)) replaces.push('privateKeyPem');
    if (olds.caPrivateKeyDigest !== digest(news.caPrivateKeyPem)) replaces.push('caPrivateKeyPem');
    // The tls provider's ready_for_renewal: inside the early-renewal window the certificate is replaced.
    if (Date.now() >= new Date(olds.validityEndTime).getTime() - news.earlyRenewalHours * 3600_000)
      replaces.push('validityEndTime');
    return {
      changes: replaces.length > 0 || olds.earlyRenewalHours !== news.earlyRenewalHours,
      replaces,
      deleteBeforeReplace: false,
    };
  },
  async update(_id: string, olds: ProviderOutputs, news: ProviderInputs) {
    // Only earlyRenewalHours can change without a replacement.
    return { outs: { ...olds, earlyRenewalHours: news.earlyRenewalHours } };
  },
};

export class MultiGroupCertificate extends pulumi.dynamic.Resource {
  declare readonly certPem: pulumi.Output<string>;
  declare readonly validityEndTime: pulumi.Output<string>;

  constructor(name: string, args: MultiGroupCertificateInputs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        ...args,
        privateKeyPem: pulumi.secret(args.privateKeyPem),
        caPrivateKeyPem: pulumi.secret(args.caPrivateKeyPem),
        certPem: undefined,
        validityEndTime: undefined,
      },
      opts,
      'kubepki',
      'MultiGroupCertificate',
    );
  }
}
