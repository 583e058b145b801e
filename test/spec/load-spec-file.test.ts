import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSpecFile, parseSpec, SpecError } from '../../src/spec';
import { removeTree, repoRoot, temporaryDirectory } from '../support/fixture-trees';
import { builtEntry, ensureBuilt } from '../cli/built-package';
import { minimalDocument, specErrorOfFile } from './spec-test-documents';

const fixtures = path.join(repoRoot, 'test', 'fixtures');
const fixtureFiles = (prefix: string) =>
  fs.readdirSync(fixtures).filter((f) => f.startsWith(prefix) && /\.cluster\.ya?ml$/.test(f));

describe('spec fixtures', () => {
  it('there are valid and invalid fixtures to check', () => {
    expect(fixtureFiles('valid-').length).toBeGreaterThan(0);
    expect(fixtureFiles('invalid-').length).toBeGreaterThan(0);
  });

  it.each(fixtureFiles('valid-'))('%s loads', (file) => {
    const spec = loadSpecFile(path.join(fixtures, file));
    expect(spec.spec.controlPlane.length).toBeGreaterThan(0);
  });

  it.each(fixtureFiles('invalid-'))('%s is refused with a SpecError naming the file', (file) => {
    const full = path.join(fixtures, file);
    expect(() => loadSpecFile(full)).toThrow(SpecError);
    try {
      loadSpecFile(full);
    } catch (error) {
      expect((error as SpecError).source).toBe(full);
      expect((error as SpecError).issues.length).toBeGreaterThan(0);
      expect((error as SpecError).message).toContain(full);
    }
  });
});

describe('loadSpecFile of a TypeScript spec written with defineCluster', () => {
  let dir: string;
  const clusterSource = (importFrom: string) => `import { defineCluster } from ${JSON.stringify(importFrom)};

const workers = ['w1', 'w2'].map((name, i) => ({ name, address: \`10.0.0.\${21 + i}\` }));

export default defineCluster({
  apiVersion: 'kubepki.io/v1alpha1',
  kind: 'Cluster',
  metadata: { name: 'typed' },
  spec: {
    controlPlane: [{ name: 'cp1', advertiseAddress: '10.0.0.11' }],
    workers,
    pki: { encryptionAlgorithm: 'ECDSA-P256' },
  },
});
`;

  beforeAll(() => {
    ensureBuilt();
    dir = temporaryDirectory('kubepki-ts-spec-');
    // An installed kubepki, as a user's project has it: node_modules/kubepki → this repository.
    fs.mkdirSync(path.join(dir, 'node_modules'));
    fs.symlinkSync(repoRoot, path.join(dir, 'node_modules', 'kubepki'), 'dir');
  });
  afterAll(() => removeTree(dir));

  const expectTyped = (file: string) => {
    const spec = loadSpecFile(file);
    expect(spec.metadata.name).toBe('typed');
    expect(spec.spec.workers).toEqual([
      { name: 'w1', address: '10.0.0.21' },
      { name: 'w2', address: '10.0.0.22' },
    ]);
    expect(spec.spec.pki.encryptionAlgorithm).toBe('ECDSA-P256');
    // Defaults are applied exactly as for the same document written in YAML.
    const sameAsYaml = minimalDocument({
      workers: [
        { name: 'w1', address: '10.0.0.21' },
        { name: 'w2', address: '10.0.0.22' },
      ],
      pki: { encryptionAlgorithm: 'ECDSA-P256' },
    });
    sameAsYaml.metadata = { name: 'typed' };
    expect(spec).toEqual(parseSpec(sameAsYaml));
    expect(spec.spec.kubernetesVersion).toBe('v1.33.0');
  };

  it("imports defineCluster from 'kubepki' (the package as installed)", () => {
    const file = path.join(dir, 'typed.cluster.ts');
    fs.writeFileSync(file, clusterSource('kubepki'));
    expectTyped(file);
  });

  it("imports defineCluster from the repository's built package by absolute path", () => {
    const file = path.join(dir, 'absolute.cluster.ts');
    fs.writeFileSync(file, clusterSource(builtEntry));
    expectTyped(file);
  });

  it('validates a TypeScript spec like a YAML one: every problem, with the file named', () => {
    const file = path.join(dir, 'broken.cluster.ts');
    fs.writeFileSync(
      file,
      `import { defineCluster } from 'kubepki';
export default defineCluster({
  apiVersion: 'kubepki.io/v1alpha1',
  kind: 'Cluster',
  metadata: { name: 'broken' },
  spec: { controlPlane: [{ name: 'cp1', advertiseAddress: '10.0.0.300' }], workers: [{ name: 'cp1' }] },
});
`,
    );
    const error = specErrorOfFile(file);
    expect((error as SpecError).source).toBe(file);
    expect((error as SpecError).issues.map((i) => i.path).sort()).toEqual([
      'spec.controlPlane[0].advertiseAddress',
      'spec.workers[0].name',
    ]);
  });
});

describe('TypeScript specs split over modules', () => {
  let dir: string;
  beforeAll(() => {
    dir = temporaryDirectory('kubepki-ts-modules-');
    fs.writeFileSync(
      path.join(dir, 'nodes.ts'),
      "export const controlPlane = [{ name: 'cp1', advertiseAddress: '10.0.0.11' }];\n",
    );
    fs.writeFileSync(
      path.join(dir, 'split.cluster.ts'),
      "import { controlPlane } from './nodes';\nexport default { apiVersion: 'kubepki.io/v1alpha1', kind: 'Cluster', metadata: { name: 'split' }, spec: { controlPlane } };\n",
    );
    fs.writeFileSync(path.join(dir, 'throws.cluster.ts'), "throw new Error('boom');\n");
  });
  afterAll(() => removeTree(dir));

  // Both were bugs of src/spec/load-spec.ts evaluateModule: imports of .ts modules went through Node's plain require
  // ("Cannot find module './nodes'"), and an exception while evaluating escaped as a plain Error (CLI exit 1).
  it('a .ts spec can import a sibling .ts module', () => {
    expect(loadSpecFile(path.join(dir, 'split.cluster.ts')).spec.controlPlane).toEqual([
      { name: 'cp1', advertiseAddress: '10.0.0.11' },
    ]);
  });

  it('a .ts spec that throws while loading is a SpecError naming the file', () => {
    const file = path.join(dir, 'throws.cluster.ts');
    const error = specErrorOfFile(file);
    expect((error as SpecError).source).toBe(file);
    expect((error as SpecError).message).toContain('boom');
  });
});

describe('loadSpecFile errors', () => {
  it('a missing file is one SpecError naming the file', () => {
    const file = path.join(repoRoot, 'test', 'fixtures', 'does-not-exist.cluster.yaml');
    expect(() => loadSpecFile(file)).toThrow(SpecError);
    expect(() => loadSpecFile(file)).toThrow(/cannot read .*does-not-exist\.cluster\.yaml: ENOENT/);
  });

  it('YAML that does not parse is reported with its line', () => {
    const dir = temporaryDirectory();
    try {
      const file = path.join(dir, 'bad.cluster.yaml');
      fs.writeFileSync(file, 'apiVersion: kubepki.io/v1alpha1\nspec:\n  controlPlane: [\n');
      try {
        loadSpecFile(file);
        expect.unreachable('loadSpecFile accepted broken YAML');
      } catch (error) {
        expect(error).toBeInstanceOf(SpecError);
        expect((error as SpecError).issues[0]).toMatchObject({
          code: 'invalid_yaml',
          path: expect.stringMatching(/^line \d+, column \d+$/),
        });
      }
    } finally {
      removeTree(dir);
    }
  });
});
