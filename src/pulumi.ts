// The Pulumi program (Pulumi.yaml `main`): reads stack config, loads the spec, plans, and instantiates one KubePki.
// Stack outputs: a secret-free inventory in plain text; kubeconfigs and private keys only as secrets.
import 'reflect-metadata';
import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { loadSpecFile, SpecError } from './spec';
import { planPki } from './plan';
import { KubePki } from './realize/pulumi';
import { buildInventory } from './review';

const config = new pulumi.Config('kubepki');
// Paths in stack config are relative to the stack config directory (stacks/), where Pulumi.<stack>.yaml lives.
const stackConfigDir = path.resolve(process.env.KUBEPKI_STACK_CONFIG_DIR ?? 'stacks');
const specFile = path.resolve(stackConfigDir, config.require('spec'));
const outDir = path.resolve(stackConfigDir, config.get('outDir') || `../out/${pulumi.getStack()}`);

let plan;
try {
  plan = planPki(loadSpecFile(specFile));
} catch (error) {
  // The same messages as `kubepki generate`, without a stack trace: RunError fails the preview with just the text.
  if (error instanceof SpecError) throw new pulumi.RunError(`invalid spec: ${error.message}`);
  throw error;
}

const bootstrapToken = config.getSecret('bootstrapToken');
const pki = new KubePki(pulumi.getStack(), { plan, outDir, applyRbac: config.getBoolean('applyRbac') ?? false, ...(bootstrapToken ? { bootstrapToken } : {}) });

/** Secret-free, the same inventory as `kubepki plan --format json`. Safe to show in `pulumi stack output`. */
export const inventory = buildInventory(plan);
/** When each issued certificate expires, by certificate id. */
export const notAfter = Object.fromEntries(plan.certificates.map((c) => [c.id, pki.certificates[c.id]!.validityEndTime]));
export const outputDirectory = outDir;
/** Secrets: `pulumi stack output kubeconfigs --show-secrets`. */
export const kubeconfigs = pulumi.secret(pki.kubeconfigs);
export const serviceAccountPublicKeyPem = pki.serviceAccountPublicKeyPem;
export const serviceAccountPrivateKeyPem = pki.serviceAccountPrivateKeyPem;
