import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSpecFile } from '../../src/spec';
import { planPki } from '../../src/plan';
import { removeTree } from '../support/fixture-trees';
import { LifecycleStack } from '../support/pulumi-lifecycle/lifecycle-stack';
import { copyProject, registerTypeScriptAsPulumiDoes } from '../support/pulumi-lifecycle/lifecycle-project';
import { cleanTree, treeReport } from '../support/pulumi-lifecycle/tree-listing';

// The committed `lab` stack, exactly as a new user runs it: Pulumi.yaml and stacks/Pulumi.lab.yaml as committed
// (RSA-2048), `main` (src/pulumi.ts) compiled by ts-node the way Pulumi's Node.js language host does, from main's
// directory, with no environment variable — then a second `pulumi up` with nothing changed.

describe('the first `pulumi up` of the committed lab stack', () => {
  const copy = copyProject('lab');
  const stack = new LifecycleStack(copy.project('main'));
  afterAll(() => removeTree(copy.dir));

  it('runs from src/, finds stacks/Pulumi.lab.yaml and its spec, and writes ../out/lab relative to stacks/', async () => {
    registerTypeScriptAsPulumiDoes(stack.project);
    const result = await stack.up();
    expect(result.errors).toEqual([]);
    expect(copy.outDir).toBe(path.join(copy.dir, 'out', 'lab'));
    const plan = planPki(loadSpecFile(copy.specFile));
    expect(treeReport(copy.outDir, plan)).toEqual(cleanTree);
    expect(result.steps.filter((s) => s.op !== 'create')).toEqual([]);
    // Nothing is written where the program runs, nor next to the committed stack files.
    expect(fs.readdirSync(path.join(copy.dir, 'stacks')).sort()).toEqual(['Pulumi.lab.yaml', 'lab.cluster.yaml']);
  }, 600_000);

  it('a second `pulumi up` with nothing changed changes nothing', async () => {
    const before = fs.readFileSync(path.join(copy.outDir, 'cp1/pki/apiserver.crt'), 'utf8');
    const preview = await stack.preview();
    expect(preview.errors).toEqual([]);
    expect(preview.steps.filter((s) => s.op !== 'same')).toEqual([]);
    const result = await stack.up();
    expect(result.errors).toEqual([]);
    expect(result.steps.filter((s) => s.op !== 'same')).toEqual([]);
    expect(fs.readFileSync(path.join(copy.outDir, 'cp1/pki/apiserver.crt'), 'utf8')).toBe(before);
  }, 120_000);
});
