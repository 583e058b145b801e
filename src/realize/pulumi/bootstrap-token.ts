import * as nodePath from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { bootstrapTokenPattern } from '../../crypto';

// Same arrangement as MultiGroupCertificate: the provider runs in Pulumi's dynamic-provider host and may capture only
// plain values, so it requires the compiled crypto stage (not public API, found beside the package entry) by absolute
// path inside create().
const cryptoEntry = nodePath.join(nodePath.dirname(require.resolve('kubepki')), 'crypto');

const provider: pulumi.dynamic.ResourceProvider = {
  async create() {
    require('reflect-metadata');
    const kubepki = require(cryptoEntry) as typeof import('../../crypto');
    const token = kubepki.generateBootstrapToken();
    // The id is the token's public half (its Secret is bootstrap-token-<id>); the secret half stays in the secret output.
    return { id: kubepki.bootstrapTokenId(token), outs: { token } };
  },
};

/**
 * A random kubeadm bootstrap token created once and kept in Pulumi state as a secret, for stacks whose config does
 * not set `kubepki:bootstrapToken`. Nothing in the plan changes it; `pulumi up --replace` on it makes a new one.
 */
export class BootstrapToken extends pulumi.dynamic.Resource {
  declare readonly token: pulumi.Output<string>;

  constructor(name: string, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      { token: undefined },
      { ...opts, additionalSecretOutputs: ['token'] },
      'kubepki',
      'BootstrapToken',
    );
  }
}

/** A supplied token must be kubeadm's format; the error names the setting, never the value. */
export function checkBootstrapToken(token: string): string {
  if (!bootstrapTokenPattern.test(token)) {
    throw new pulumi.RunError(
      'kubepki:bootstrapToken is not a bootstrap token ([a-z0-9]{6}.[a-z0-9]{16}): set one from `kubeadm token generate`, or unset it to have one created',
    );
  }
  return token;
}
