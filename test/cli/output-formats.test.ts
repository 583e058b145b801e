/**
 * -o/--output on the verbs that print beyond the review verbs (rbac, schema, graph as data), and the writing verbs'
 * refusal of -o (a slip for --out that would otherwise name a directory): exit 2, nothing written.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planPki } from '../../src/plan';
import { trustGraph } from '../../src/review';
import { removeTree, repoRoot, stackFile, stackSpec, temporaryDirectory } from '../support/fixture-trees';
import { describeRun, kubepki } from './review-cli';

let root: string;
beforeAll(() => void (root = temporaryDirectory('kubepki-output-formats-')));
afterAll(() => removeTree(root));

describe('-o on the verbs that print', () => {
  it('rbac -o json is the List `kubectl get -o json` prints, holding the objects of the YAML stream in order', async () => {
    const stream = await kubepki(['rbac', stackFile('team')]);
    const list = await kubepki(['rbac', stackFile('team'), '-o', 'json']);
    expect(list.status, describeRun(list)).toBe(0);
    const parsed = JSON.parse(list.stdout) as { apiVersion: string; kind: string; items: { kind: string }[] };
    expect(parsed).toMatchObject({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' } });
    const documents = yaml.loadAll(stream.stdout).filter((d) => d !== null && d !== undefined);
    expect(parsed.items.length).toBeGreaterThan(5);
    expect(parsed.items).toEqual(documents);
    expect((await kubepki(['rbac', stackFile('team'), '--output', 'yaml'])).stdout).toBe(stream.stdout);
    const bad = await kubepki(['rbac', stackFile('team'), '-o', 'md']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('-o "md": use yaml, json');
  });

  it('schema: JSON by default (the committed file), the same schema with -o yaml', async () => {
    const json = await kubepki(['schema']);
    expect(json.stdout).toBe(fs.readFileSync(path.join(repoRoot, 'stacks/cluster.schema.json'), 'utf8'));
    expect((await kubepki(['schema', '-o', 'json'])).stdout).toBe(json.stdout);
    const asYaml = await kubepki(['schema', '-o', 'yaml']);
    expect(asYaml.status, describeRun(asYaml)).toBe(0);
    expect(yaml.load(asYaml.stdout)).toEqual(JSON.parse(json.stdout));
  });

  it('graph -o json: every component once as a node, and the edges and tokens of the trust graph', async () => {
    const run = await kubepki(['graph', stackFile('ha'), '-o', 'json']);
    expect(run.status, describeRun(run)).toBe(0);
    const data = JSON.parse(run.stdout) as ReturnType<typeof trustGraph> & {
      nodes: { component: string; node?: string }[];
    };
    const graph = trustGraph(planPki(stackSpec('ha', 'ECDSA-P256')));
    expect(data.edges).toEqual(graph.edges);
    expect(data.tokens).toEqual(graph.tokens);
    const key = (e: { component: string; node?: string }) => `${e.component}@${e.node ?? ''}`;
    const nodes = new Set(data.nodes.map(key));
    expect(nodes.size).toBe(data.nodes.length);
    for (const e of [...data.edges, ...data.tokens.map((t) => ({ client: t.signer, server: t.verifier }))]) {
      expect(nodes).toContain(key(e.client));
      expect(nodes).toContain(key(e.server));
    }
    expect(nodes).toContain('kube-apiserver@cp2');
    expect(yaml.load((await kubepki(['graph', stackFile('ha'), '-o', 'yaml'])).stdout)).toEqual(data);
  });
});

describe('-o on the verbs that write', () => {
  it.each([
    ['renew', ['--all']],
    ['csr', []],
    ['user-request', []],
  ])('%s -o json is refused with the reason, exit 2, nothing written', async (verb, extra) => {
    const out = path.join(root, `${verb}-out`);
    const first = verb === 'user-request' ? 'alice' : stackFile('lab');
    const run = await kubepki([verb, first, '-o', 'json', '--out', out, ...extra], root);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(
      `unknown flag "-o": ${verb} writes files, and takes the directory as --out <dir>; the formats of -o belong to the verbs that print`,
    );
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.existsSync(path.join(root, 'json'))).toBe(false);
  });
});
