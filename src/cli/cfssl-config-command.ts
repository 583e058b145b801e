import { cfsslAuthKeyVariable, cfsslSigningConfig } from '../crypto/cfssl-signer';
import { exitCodes, UsageError, type CliIo } from './cli-io';
import { loadPlan } from './load-plan';
import { parseVerbArgs } from './parse-verb-args';
import { verbNamed } from './verbs';

/**
 * `kubepki cfssl-config <spec>`: the `cfssl serve -config` JSON for a spec whose CAs cfssl holds — a signing profile
 * per kubepki profile and validity, guarded by the auth key in KUBEPKI_CFSSL_AUTH_KEY (the same one generate sends).
 */
export async function cfsslConfigCommand(args: string[], io: CliIo): Promise<number> {
  const { positionals } = parseVerbArgs(verbNamed('cfssl-config')!, args);
  if (positionals.length !== 1) throw new UsageError('expected exactly one spec file');
  const plan = loadPlan(positionals[0]);
  if (!plan.certificates.some((c) => c.signedBy === 'cfssl'))
    throw new UsageError('no CA of this spec is held by cfssl: set spec.pki.caKeys.<ca>: cfssl');
  const key = process.env[cfsslAuthKeyVariable];
  if (!key || !/^([0-9a-fA-F]{2})+$/.test(key))
    throw new UsageError(`${cfsslAuthKeyVariable} must hold the hex auth key (e.g. from \`openssl rand -hex 16\`)`);
  io.stdout(`${JSON.stringify(cfsslSigningConfig(plan.certificates, key), null, 2)}`);
  return exitCodes.ok;
}
