import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, removeTree, temporaryDirectory } from '../support/fixture-trees';
import { LifecycleStack } from '../support/pulumi-lifecycle/lifecycle-stack';

// The lifecycle engine itself, on a one-resource program with @pulumi/local's File: it must reproduce what the real
// engine does with it — the defect that made kubepki drop @pulumi/local included — or the lifecycle tests prove little.

function demoProject(options: {
  protect?: boolean;
  deleteBeforeReplace?: boolean;
  retainOnDelete?: boolean;
  fail?: boolean;
}) {
  const dir = temporaryDirectory('kubepki-engine-');
  const file = path.join(dir, 'out', 'apiserver.crt');
  fs.writeFileSync(path.join(dir, 'Pulumi.yaml'), 'name: demo\nruntime: nodejs\nmain: program/index.js\n');
  fs.mkdirSync(path.join(dir, 'program'));
  const modules = (name: string) => JSON.stringify(path.join(repoRoot, 'node_modules', name));
  fs.writeFileSync(
    path.join(dir, 'program', 'index.js'),
    `const pulumi = require(${modules('@pulumi/pulumi')});
const local = require(${modules('@pulumi/local')});
const config = new pulumi.Config('demo');
if (config.get('fail') === 'true') throw new pulumi.RunError('the program failed');
const opts = ${JSON.stringify({ protect: options.protect, deleteBeforeReplace: options.deleteBeforeReplace, retainOnDelete: options.retainOnDelete })};
if (config.get('protect') !== undefined) opts.protect = config.get('protect') === 'true';
if (config.get('ignore') !== undefined) opts.ignoreChanges = [config.get('ignore')];
if (config.get('present') !== 'false') {
  new local.File('apiserver.crt', { filename: ${JSON.stringify(file)}, content: config.require('content') }, opts);
}
`,
  );
  const setConfig = (config: Record<string, string>) =>
    fs.writeFileSync(
      path.join(dir, 'Pulumi.dev.yaml'),
      `config:\n${Object.entries(config)
        .map(([k, v]) => `  demo:${k}: "${v}"\n`)
        .join('')}`,
    );
  setConfig({ content: 'first' });
  return {
    dir,
    file,
    setConfig,
    stack: new LifecycleStack({ projectDir: dir, stack: 'dev', programFile: path.join(dir, 'program', 'index.js') }),
  };
}

describe('the lifecycle engine applies Pulumi’s step rules', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach(removeTree));
  const project = (options: Parameters<typeof demoProject>[0] = {}) => {
    const p = demoProject(options);
    dirs.push(p.dir);
    return p;
  };

  it('runs the program from main’s directory', async () => {
    const p = project();
    fs.appendFileSync(
      path.join(p.dir, 'program', 'index.js'),
      `require('fs').writeFileSync(${JSON.stringify(path.join(p.dir, 'cwd.txt'))}, process.cwd());\n`,
    );
    expect((await p.stack.up()).errors).toEqual([]);
    expect(fs.readFileSync(path.join(p.dir, 'cwd.txt'), 'utf8')).toBe(fs.realpathSync(path.join(p.dir, 'program')));
  });

  it('replaces a local file create-before-delete, so the deferred delete removes the new file (the old defect)', async () => {
    const p = project();
    expect((await p.stack.up()).steps.map((s) => s.op)).toEqual(['create']);
    p.setConfig({ content: 'second' });
    const preview = await p.stack.preview();
    expect(preview.steps.map((s) => s.op)).toEqual(['replace']);
    expect(fs.readFileSync(p.file, 'utf8')).toBe('first');
    expect((await p.stack.up()).steps.map((s) => s.op)).toEqual(['replace']);
    expect(fs.existsSync(p.file)).toBe(false);
    expect((await p.stack.up()).steps.map((s) => s.op)).toEqual(['same']);
  });

  it('with deleteBeforeReplace, deletes first and the new file stays', async () => {
    const p = project({ deleteBeforeReplace: true });
    await p.stack.up();
    p.setConfig({ content: 'second' });
    await p.stack.up();
    expect(fs.readFileSync(p.file, 'utf8')).toBe('second');
  });

  it('refuses to replace or destroy a protected resource, and changes nothing', async () => {
    const p = project({ protect: true });
    await p.stack.up();
    p.setConfig({ content: 'second' });
    const result = await p.stack.up();
    expect(result.errors.join('\n')).toContain('as it is currently marked for protection');
    expect(fs.readFileSync(p.file, 'utf8')).toBe('first');
    expect((await p.stack.destroy()).errors.join('\n')).toContain('unable to delete resource');
    expect(p.stack.resources).toHaveLength(1);
    expect((await p.stack.destroy({ excludeProtected: true })).steps).toEqual([]);
  });

  it('a protected resource leaves the program only after an update recorded protect: false (a same step does)', async () => {
    const p = project({ protect: true });
    await p.stack.up();
    p.setConfig({ content: 'first', present: 'false' });
    const refused = await p.stack.up();
    expect(refused.errors.join('\n')).toContain('unable to delete resource');
    expect(fs.existsSync(p.file)).toBe(true);
    // Unprotecting is a same step that changes only the flag in the state; the next update may then delete it.
    p.setConfig({ content: 'first', protect: 'false' });
    expect((await p.stack.up()).steps.map((s) => s.op)).toEqual(['same']);
    expect(p.stack.resources[0]!.protect).toBe(false);
    p.setConfig({ content: 'first', present: 'false' });
    expect((await p.stack.up()).steps.map((s) => s.op)).toEqual(['delete']);
    expect(fs.existsSync(p.file)).toBe(false);
  });

  it('unprotecting and replacing happen in one update (the step generator looks at new.Protect && old.Protect)', async () => {
    const p = project({ protect: true });
    await p.stack.up();
    p.setConfig({ content: 'second', protect: 'false' });
    const result = await p.stack.up();
    expect(result.errors).toEqual([]);
    expect(result.steps.map((s) => s.op)).toEqual(['replace']);
  });

  it('ignoreChanges keeps the old value of an input: no replacement, and the state keeps the old input', async () => {
    const p = project({ protect: true });
    await p.stack.up();
    p.setConfig({ content: 'second', ignore: 'content' });
    const result = await p.stack.up();
    expect(result.errors).toEqual([]);
    expect(result.steps.map((s) => s.op)).toEqual(['same']);
    expect(fs.readFileSync(p.file, 'utf8')).toBe('first');
    expect(p.stack.resources[0]!.inputs.content).toBe('first');
    // Without ignoreChanges the change is seen again (and refused, the resource being protected).
    p.setConfig({ content: 'second' });
    expect((await p.stack.up()).errors.join('\n')).toContain('marked for protection');
  });

  it('with retainOnDelete, destroy forgets the resource and leaves the file', async () => {
    const p = project({ retainOnDelete: true });
    await p.stack.up();
    expect((await p.stack.destroy()).steps.map((s) => s.op)).toEqual(['delete']);
    expect(p.stack.resources).toEqual([]);
    expect(fs.readFileSync(p.file, 'utf8')).toBe('first');
  });

  it('deletes what the program no longer registers, but nothing when the program fails', async () => {
    const p = project();
    await p.stack.up();
    p.setConfig({ content: 'first', fail: 'true', present: 'false' });
    expect((await p.stack.up()).errors).toEqual(['the program failed']);
    expect(fs.existsSync(p.file)).toBe(true);
    p.setConfig({ content: 'first', present: 'false' });
    expect((await p.stack.up()).steps.map((s) => s.op)).toEqual(['delete']);
    expect(fs.existsSync(p.file)).toBe(false);
  });
});
