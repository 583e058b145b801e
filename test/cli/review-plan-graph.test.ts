/** `kubepki plan` and `kubepki graph` as users run them: formats, stability, usage errors. */
import { beforeAll, describe, expect, it } from 'vitest';
import { stackFile } from '../support/fixture-trees';
import { leakedSecret } from '../review/review-secrets';
import { ensureBuilt } from './built-package';
import { describeRun, kubepki } from './review-cli';

beforeAll(() => ensureBuilt());

describe('kubepki plan', () => {
  it('prints the same YAML inventory on every run (the default format)', async () => {
    const first = await kubepki(['plan', stackFile('lab')]);
    expect(first.status, describeRun(first)).toBe(0);
    expect(first.stdout).toMatch(/^apiVersion: kubepki\.io\/v1alpha1\nkind: PkiInventory\n/);
    expect((await kubepki(['plan', stackFile('lab')])).stdout).toBe(first.stdout);
    expect(leakedSecret(first.stdout)).toBeUndefined();
  });

  it('prints JSON and Markdown', async () => {
    const json = await kubepki(['plan', stackFile('team'), '--format', 'json']);
    expect(JSON.parse(json.stdout).access.expectations).toMatchObject({ failed: [] });
    expect((await kubepki(['plan', stackFile('team'), '--format', 'md'])).stdout).toContain('# PKI inventory: team');
  });

  it('refuses an unknown format (exit 2, with usage)', async () => {
    const run = await kubepki(['plan', stackFile('lab'), '--format', 'toml']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('usage: kubepki plan <spec> [-o yaml|json|md]');
  });
});

describe('kubepki graph', () => {
  it('prints Mermaid by default, and Markdown or DOT on request', async () => {
    const mermaid = await kubepki(['graph', stackFile('lab')]);
    expect(mermaid.status, describeRun(mermaid)).toBe(0);
    expect(mermaid.stdout).toMatch(/^flowchart LR\n/);
    expect((await kubepki(['graph', stackFile('lab'), '--format', 'md'])).stdout).toContain(
      '| client | server | purpose |',
    );
    expect((await kubepki(['graph', stackFile('ha'), '--format', 'dot'])).stdout).toMatch(/^digraph "trust-ha" \{/);
  });
});
