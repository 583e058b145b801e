// The Pulumi program (Pulumi.yaml `main`): reads stack config, loads the spec, plans, and instantiates one KubePki.
// Stack outputs: a secret-free inventory in plain text; kubeconfigs and private keys only as secrets.
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import * as pulumi from '@pulumi/pulumi';
import { loadSpecFile, SpecError } from './spec';
import { planPki } from './plan';
import { KubePki } from './realize/pulumi';
import { buildInventory } from './review';

/**
 * The project directory (where Pulumi.yaml is). The CLI runs the program from the directory of `main` (src/), and
 * tells it the project root, which `getRootDirectory()` returns; older CLIs do not, so it is also found by walking up.
 */
function projectRoot(): string {
  const told = pulumi.runtime.getRootDirectory();
  if (path.isAbsolute(told) && fs.existsSync(path.join(told, 'Pulumi.yaml'))) return told;
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'Pulumi.yaml'))) return dir;
    if (path.dirname(dir) === dir)
      throw new pulumi.RunError(`no Pulumi.yaml in ${process.cwd()} or above: run pulumi from the kubepki project`);
  }
}

const root = projectRoot();
// Paths in stack config are relative to the stack config directory, where Pulumi.<stack>.yaml lives (stacks/).
const project = (yaml.load(fs.readFileSync(path.join(root, 'Pulumi.yaml'), 'utf8')) ?? {}) as {
  stackConfigDir?: string;
};
const stackConfigDir = path.resolve(root, project.stackConfigDir ?? '.');
const config = new pulumi.Config('kubepki');
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
const pki = new KubePki(pulumi.getStack(), {
  plan,
  outDir,
  applyRbac: config.getBoolean('applyRbac') ?? false,
  protectAuthorities: config.getBoolean('protectAuthorities') ?? true,
  ...(bootstrapToken ? { bootstrapToken } : {}),
});

/** Secret-free, the same inventory as `kubepki plan --format json`. Safe to show in `pulumi stack output`. */
export const inventory = buildInventory(plan);
/** When each issued certificate expires, by certificate id. */
export const notAfter = Object.fromEntries(
  plan.certificates.map((c) => [c.id, pki.certificates[c.id]!.validityEndTime]),
);
export const outputDirectory = outDir;
/** Secrets: `pulumi stack output kubeconfigs --show-secrets`. */
export const kubeconfigs = pulumi.secret(pki.kubeconfigs);
export const serviceAccountPublicKeyPem = pki.serviceAccountPublicKeyPem;
export const serviceAccountPrivateKeyPem = pki.serviceAccountPrivateKeyPem;
