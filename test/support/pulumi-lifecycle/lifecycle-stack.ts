import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { nodeRequire, pulumi } from '../pulumi-realize';
import { providerRule, unknown, type Inputs } from './provider-rules';

// A small Pulumi engine for tests, since the CLI cannot be installed here: it runs a program in-process the way
// `pulumi up` does and keeps the stack's state between runs, applying the engine's step rules
// (pkg/resource/deploy/step_generator.go):
// - same when the provider's Diff reports no change; update in place; replace when Diff says so;
// - a replacement creates the new resource first and deletes the old one after the program has finished (deferred),
//   unless deleteBeforeReplace (the option or the provider's answer);
// - protect: a replacement of a resource protected in the old state and the new program is refused (unprotecting
//   and replacing in one update is allowed); a deletion of a resource protected in the old state is refused
//   (DeleteStep.Apply looks at the old state only), so a protected resource can leave the program only after an
//   update has recorded protect: false — which a same step does;
// - ignoreChanges: before the diff, each named input takes its value from the old inputs, or is dropped when the old
//   inputs lack it (processIgnoreChanges, PropertyPath.Reset); the state keeps the inputs so obtained. Top-level
//   property names only;
// - retainOnDelete: the resource leaves the state, its real object stays;
// - resources the program no longer registers are deleted after it finishes, last registered first — and nothing is
//   deleted when the program failed;
// - a preview runs the same program with no side effects: outputs of what would be created are unknown, as in
//   `pulumi preview`, so the changes it lists are the ones `pulumi preview --diff` shows.
// `destroy` deletes everything in reverse order and refuses (in its preview, before deleting anything) when a resource
// is protected; `excludeProtected` leaves protected resources and what they depend on, like `pulumi destroy --exclude-protected`.

export type StepOp = 'create' | 'update' | 'replace' | 'delete' | 'same';

export interface Step {
  op: StepOp;
  urn: string;
  type: string;
  name: string;
}

export interface DeploymentResult {
  steps: Step[];
  /** The program's error or the engine's refusals; empty when the deployment succeeded. */
  errors: string[];
}

interface ResourceState {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  parent: string;
  id: string;
  inputs: Inputs;
  outputs: Inputs;
  protect: boolean;
  retainOnDelete: boolean;
  dependencies: string[];
  /** Inputs the program marked secret: Pulumi encrypts them in the state. */
  secretInputs: string[];
}

interface RegistrationOptions {
  urn: string;
  parent: string;
  custom: boolean;
  protect: boolean;
  retainOnDelete: boolean;
  deleteBeforeReplace: boolean;
  dependencies: string[];
  ignoreChanges: string[];
}

const secretSignature = '4dabf18193072939515e22adb298388d';
const secretValue = '1b47061264138c4ac30d75fd1eb44270';
const { isUnknown } = nodeRequire('@pulumi/pulumi/output') as { isUnknown(v: unknown): boolean };
const settings = nodeRequire('@pulumi/pulumi/runtime/state') as {
  getStore(): { settings: { options: Record<string, unknown>; monitor: any } };
};

/** Plain values as a provider receives them: secrets unwrapped, unknowns as the engine's sentinel. */
function plain(value: any): any {
  if (isUnknown(value)) return unknown;
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') {
    if (value[secretSignature] === secretValue) return plain(value.value);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

/** Where the program is and how the CLI would run it. */
export interface LifecycleProject {
  /** The directory with Pulumi.yaml and the stack config directory. */
  projectDir: string;
  stack: string;
  /**
   * The file to load in place of `main`: the compiled program (dist/pulumi.js) or `main` itself when ts-node is
   * registered. The working directory is always `main`'s directory.
   */
  programFile: string;
}

export class LifecycleStack {
  private state = new Map<string, ResourceState>();

  constructor(readonly project: LifecycleProject) {}

  /** Resources in the stack's state, in the order they were registered. */
  get resources(): readonly ResourceState[] {
    return [...this.state.values()];
  }

  preview(): Promise<DeploymentResult> {
    return this.deploy(true);
  }

  up(): Promise<DeploymentResult> {
    return this.deploy(false);
  }

  /** `pulumi destroy` (with its preview first), or `pulumi destroy --exclude-protected`. */
  async destroy(options: { excludeProtected?: boolean } = {}): Promise<DeploymentResult> {
    const all = [...this.state.values()];
    let kept = new Set<string>();
    if (options.excludeProtected) {
      // Protected resources and, transitively, what they depend on (their parents included) stay.
      const visit = (urn: string) => {
        if (kept.has(urn) || !this.state.has(urn)) return;
        kept.add(urn);
        const r = this.state.get(urn)!;
        [r.parent, ...r.dependencies].filter(Boolean).forEach(visit);
      };
      all.filter((r) => r.protect).forEach((r) => visit(r.urn));
    }
    const doomed = all.filter((r) => !kept.has(r.urn)).reverse();
    const refused = doomed.filter((r) => r.protect).map((r) => protectedDeleteMessage(r.urn));
    if (refused.length > 0) return { steps: [], errors: refused };
    kept = new Set();
    const steps: Step[] = [];
    for (const r of doomed) {
      if (r.custom && !r.retainOnDelete) await providerRule(r.type).delete(r);
      this.state.delete(r.urn);
      steps.push({ op: 'delete', urn: r.urn, type: r.type, name: r.name });
    }
    return { steps, errors: [] };
  }

  /** The stack config the CLI passes: project defaults from Pulumi.yaml, then `<stackConfigDir>/Pulumi.<stack>.yaml`. */
  private config(): { projectName: string; mainDir: string; config: Record<string, string> } {
    const projectFile = yaml.load(fs.readFileSync(path.join(this.project.projectDir, 'Pulumi.yaml'), 'utf8')) as {
      name: string;
      main?: string;
      stackConfigDir?: string;
      config?: Record<string, { default?: unknown }>;
    };
    const stackFile = path.join(
      this.project.projectDir,
      projectFile.stackConfigDir ?? '.',
      `Pulumi.${this.project.stack}.yaml`,
    );
    const stackConfig = ((yaml.load(fs.readFileSync(stackFile, 'utf8')) as { config?: Record<string, unknown> })
      .config ?? {}) as Record<string, unknown>;
    const config: Record<string, string> = {};
    for (const [key, declared] of Object.entries(projectFile.config ?? {})) {
      if (declared.default !== undefined) config[`${projectFile.name}:${key}`] = String(declared.default);
    }
    for (const [key, value] of Object.entries(stackConfig)) config[key] = String(value);
    // When main is a file, the engine runs the program from that file's directory (getPwdMain in pkg/engine/project.go).
    const main = path.join(this.project.projectDir, projectFile.main ?? '.');
    const mainDir = fs.existsSync(main) && fs.statSync(main).isDirectory() ? main : path.dirname(main);
    return { projectName: projectFile.name, mainDir, config };
  }

  private async deploy(preview: boolean): Promise<DeploymentResult> {
    const { projectName, mainDir, config } = this.config();
    const olds = this.state;
    const news = new Map<string, ResourceState>();
    const steps: Step[] = [];
    const errors: string[] = [];
    const pendingDeletes: ResourceState[] = [];
    const pendingOptions = new Map<string, RegistrationOptions>();
    let bailed = false;

    const register = async (args: {
      type: string;
      name: string;
      inputs: any;
    }): Promise<{ id: string; state: Inputs }> => {
      const opts = pendingOptions.get(`${args.type}::${args.name}`)!;
      const inputs = plain(args.inputs) as Inputs;
      const secretInputs = Object.keys(args.inputs).filter((k) => args.inputs[k]?.[secretSignature] === secretValue);
      const old = olds.get(opts.urn);
      if (news.has(opts.urn)) {
        errors.push(`Duplicate resource URN '${opts.urn}'`);
        return { id: '', state: {} };
      }
      const record = (op: StepOp, id: string, outputs: Inputs) => {
        steps.push({ op, urn: opts.urn, type: args.type, name: args.name });
        news.set(opts.urn, {
          urn: opts.urn,
          type: args.type,
          name: args.name,
          custom: opts.custom,
          parent: opts.parent,
          id,
          inputs,
          outputs,
          protect: opts.protect,
          retainOnDelete: opts.retainOnDelete,
          dependencies: opts.dependencies,
          secretInputs,
        });
        return { id, state: outputs };
      };
      if (!opts.custom) return record(old ? 'same' : 'create', '', {});
      if (bailed) return old ? record('same', old.id, old.outputs) : { id: '', state: unknownOutputs(inputs) };
      try {
        return await step(args.type, opts, old, inputs, record);
      } catch (error) {
        // A provider's error fails the resource, and the deployment with it; what already happened stays.
        errors.push(error instanceof Error ? error.message : String(error));
        if (!preview) bailed = true;
        return old ? record('same', old.id, old.outputs) : { id: '', state: unknownOutputs(inputs) };
      }
    };

    type Record = (op: StepOp, id: string, outputs: Inputs) => { id: string; state: Inputs };
    // The step generator for one custom resource: create, same, update or replace, as its provider's Diff says.
    const step = async (
      type: string,
      opts: RegistrationOptions,
      old: ResourceState | undefined,
      inputs: Inputs,
      record: Record,
    ) => {
      const rule = providerRule(type);
      if (!old) {
        if (preview) return record('create', '', unknownOutputs(inputs));
        const created = await rule.create(inputs);
        return record('create', created.id, created.outputs);
      }
      for (const key of opts.ignoreChanges) {
        if (/[.[\]*]/.test(key))
          throw new Error(`the lifecycle harness emulates ignoreChanges of top-level properties only, not ${key}`);
        if (key in old.inputs) inputs[key] = old.inputs[key];
        else delete inputs[key];
      }
      const diff = await rule.diff(old, inputs);
      if (!diff.changes) return record('same', old.id, old.outputs);
      if (diff.replaces.length === 0) {
        if (preview) return record('update', old.id, { ...old.outputs, ...inputs });
        return record('update', old.id, await rule.update(old, inputs));
      }
      if (old.protect && opts.protect) {
        errors.push(
          `unable to replace resource "${opts.urn}"\nas it is currently marked for protection (${diff.replaces.join(', ')} changed)`,
        );
        // A preview goes on to show the rest; an update stops here.
        if (!preview) bailed = true;
        return record('same', old.id, old.outputs);
      }
      if (preview) return record('replace', '', unknownOutputs(inputs));
      if (opts.deleteBeforeReplace || diff.deleteBeforeReplace) {
        if (!old.retainOnDelete) await rule.delete(old);
      } else {
        pendingDeletes.push(old);
      }
      const created = await rule.create(inputs);
      return record('replace', created.id, created.outputs);
    };

    await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    await pulumi.runtime.setMocks(
      { newResource: register, call: (args: { inputs: any }) => plain(args.inputs) } as never,
      projectName,
      this.project.stack,
      preview,
    );
    const store = settings.getStore();
    const monitor = store.settings.monitor;
    const registerResource = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: any) => {
      pendingOptions.set(`${req.getType()}::${req.getName()}`, {
        urn: monitor.newUrn(req.getParent(), req.getType(), req.getName()),
        parent: req.getParent(),
        custom: req.getCustom(),
        protect: req.getProtect() === true,
        retainOnDelete: req.getRetainondelete() === true,
        deleteBeforeReplace: req.getDeletebeforereplace() === true,
        dependencies: req.getDependenciesList(),
        ignoreChanges: req.getIgnorechangesList(),
      });
      return registerResource(req, callback);
    };
    // What the language host is told: the project root (pulumi.runtime.getRootDirectory()), the stack's config.
    store.settings.options.rootDirectory = this.project.projectDir;
    pulumi.runtime.setAllConfig(config);
    const previousDirectory = process.cwd();
    process.chdir(mainDir);
    try {
      delete nodeRequire.cache[fs.realpathSync(this.project.programFile)];
      nodeRequire(this.project.programFile);
      await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    } catch (error) {
      errors.push(error instanceof Error ? error.message : String(error));
    } finally {
      process.chdir(previousDirectory);
    }

    if (errors.length === 0) {
      // Deletes run after the program: what it no longer registers, then the old halves of replacements.
      const gone = [...olds.values()].filter((r) => !news.has(r.urn)).reverse();
      for (const r of gone) {
        if (r.protect) errors.push(protectedDeleteMessage(r.urn));
      }
      if (errors.length === 0) {
        for (const r of [...gone, ...pendingDeletes]) {
          if (!preview && r.custom && !r.retainOnDelete) await providerRule(r.type).delete(r);
          if (gone.includes(r)) steps.push({ op: 'delete', urn: r.urn, type: r.type, name: r.name });
        }
      }
    }
    if (!preview) {
      // The new state: what was registered; on failure, the old resources that were not deleted stay too.
      const next = new Map<string, ResourceState>();
      for (const [urn, r] of olds) if (errors.length > 0 && !news.has(urn)) next.set(urn, r);
      for (const [urn, r] of news) next.set(urn, r);
      this.state = next;
    }
    return { steps, errors };
  }
}

function protectedDeleteMessage(urn: string): string {
  return `unable to delete resource "${urn}"\nas it is currently marked for protection`;
}

/** A planned resource's outputs during a preview: its inputs, and unknown for everything the provider computes. */
function unknownOutputs(inputs: Inputs): Inputs {
  return { ...inputs, ...computedUnknowns };
}

const computedUnknowns: Inputs = Object.fromEntries(
  [
    'privateKeyPem',
    'privateKeyPemPkcs8',
    'publicKeyPem',
    'publicKeyFingerprintSha256',
    'publicKeyOpenssh',
    'certPem',
    'certRequestPem',
    'validityStartTime',
    'validityEndTime',
    'readyForRenewal',
    'contentSha256',
  ].map((k) => [k, unknown]),
);
