import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { emulateCreate } from '../tls-provider-emulator';

// How each provider kubepki's program uses answers the engine's Diff / Create / Update / Delete, as the real ones do:
// - terraform-provider-tls: every input forces a replacement except early_renewal_hours (an in-place update); a
//   certificate is replaced when now ≥ validity_end_time − early_renewal_hours, judged when the plan is made
//   (modifyPlanIfCertificateReadyForRenewal). Create is the emulator's real crypto.
// - terraform-provider-local: every input of local_file / local_sensitive_file is RequiresReplace; delete removes the path.
// - Pulumi dynamic providers: the serialized provider (the `__provider` input) is loaded and its own diff, create,
//   update and delete are called, as Pulumi's dynamic-provider host does.

export type Inputs = Record<string, any>;

/** What stands for a value Pulumi does not know yet during a preview (an output of a resource being created). */
export const unknown = '04da6b54-80e4-46f7-96ec-b56ff0331ba9';

export interface DiffAnswer {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace?: boolean;
}

export interface ProviderRule {
  diff(olds: { inputs: Inputs; outputs: Inputs; id: string }, news: Inputs): Promise<DiffAnswer>;
  create(inputs: Inputs): Promise<{ id: string; outputs: Inputs }>;
  update(olds: { inputs: Inputs; outputs: Inputs; id: string }, news: Inputs): Promise<Inputs>;
  delete(olds: { inputs: Inputs; outputs: Inputs; id: string }): Promise<void>;
}

const stable = (value: unknown): string =>
  JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
const containsUnknown = (value: unknown): boolean => stable(value).includes(unknown);

function changedKeys(olds: Inputs, news: Inputs): string[] {
  return [...new Set([...Object.keys(olds), ...Object.keys(news)])].filter((k) => stable(olds[k]) !== stable(news[k]));
}

const tlsCertificateTypes = new Set([
  'tls:index/selfSignedCert:SelfSignedCert',
  'tls:index/locallySignedCert:LocallySignedCert',
]);

function tlsRule(type: string): ProviderRule {
  return {
    async diff(olds, news) {
      const changed = changedKeys(olds.inputs, news);
      const replaces = changed.filter((k) => k !== 'earlyRenewalHours');
      if (tlsCertificateTypes.has(type) && !replaces.includes('readyForRenewal')) {
        const end = Date.parse(olds.outputs.validityEndTime);
        const early = Number(news.earlyRenewalHours ?? 0);
        if (Date.now() >= end - early * 3600_000) replaces.push('readyForRenewal');
      }
      return { changes: changed.length > 0 || replaces.length > 0, replaces };
    },
    async create(inputs) {
      const outputs = (await emulateCreate(type, inputs))!;
      return { id: `${type.split(':').pop()}-${Math.random().toString(16).slice(2)}`, outputs };
    },
    async update(olds, news) {
      const early = Number(news.earlyRenewalHours ?? 0);
      return {
        ...olds.outputs,
        ...news,
        earlyRenewalHours: early,
        readyForRenewal: Date.now() >= Date.parse(olds.outputs.validityEndTime) - early * 3600_000,
      };
    },
    async delete() {
      // Keys and certificates live only in the stack's state.
    },
  };
}

const localRule: ProviderRule = {
  async diff(olds, news) {
    const replaces = changedKeys(olds.inputs, news);
    return { changes: replaces.length > 0, replaces };
  },
  async create(inputs) {
    return { id: inputs.filename, outputs: (await emulateCreate('local:index/file:File', inputs))! };
  },
  async update() {
    throw new Error('terraform-provider-local has no update: every input forces a replacement');
  },
  async delete(olds) {
    fs.rmSync(olds.inputs.filename, { force: true });
  },
};

const requireFromString = createRequire(path.join(__dirname, '../../../package.json'))('require-from-string') as (
  code: string,
) => { handler: () => any };

function dynamicRule(): ProviderRule {
  const load = (inputs: Inputs) =>
    requireFromString(inputs.__provider).handler() as import('@pulumi/pulumi').dynamic.ResourceProvider;
  const props = ({ __provider: _p, ...rest }: Inputs) => rest;
  return {
    async diff(olds, news) {
      const provider = load(news);
      // Without diff the host answers DIFF_UNKNOWN and the engine compares old and new inputs itself: an update.
      if (!provider.diff) return { changes: changedKeys(props(olds.inputs), props(news)).length > 0, replaces: [] };
      // A dynamic provider cannot judge an unknown input; Pulumi's host would see it as a change of that input.
      if (containsUnknown(news)) {
        const changed = changedKeys(props(olds.inputs), props(news));
        const probe = Object.fromEntries(
          Object.entries(props(news)).map(([k, v]) => [k, containsUnknown(v) ? `${unknown}-${k}` : v]),
        );
        const answer = await provider.diff(olds.id, olds.outputs, probe);
        return {
          changes: changed.length > 0,
          replaces: answer.replaces ?? [],
          deleteBeforeReplace: answer.deleteBeforeReplace ?? false,
        };
      }
      const answer = await provider.diff(olds.id, olds.outputs, props(news));
      return {
        changes: answer.changes ?? false,
        replaces: answer.replaces ?? [],
        deleteBeforeReplace: answer.deleteBeforeReplace ?? false,
      };
    },
    async create(inputs) {
      const result = await load(inputs).create(props(inputs));
      return { id: result.id, outputs: { __provider: inputs.__provider, ...result.outs } };
    },
    async update(olds, news) {
      // Without update the host keeps no outputs but the provider (resultIncludingProvider).
      const result = (await load(news).update?.(olds.id, olds.outputs, props(news))) ?? {};
      return { __provider: news.__provider, ...result.outs };
    },
    async delete(olds) {
      // A dynamic provider without delete has nothing outside the state to remove.
      await load(olds.inputs).delete?.(olds.id, olds.outputs);
    },
  };
}

/** The rule for a resource type; resources of other providers (Kubernetes objects) keep their inputs as state. */
export function providerRule(type: string): ProviderRule {
  if (type.startsWith('tls:')) return tlsRule(type);
  if (type.startsWith('local:')) return localRule;
  if (type.startsWith('pulumi-nodejs:dynamic')) return dynamicRule();
  return {
    async diff(olds, news) {
      const changed = changedKeys(olds.inputs, news);
      return { changes: changed.length > 0, replaces: [] };
    },
    async create(inputs) {
      return { id: `${type}-${Math.random().toString(16).slice(2)}`, outputs: inputs };
    },
    async update(_olds, news) {
      return news;
    },
    async delete() {},
  };
}
