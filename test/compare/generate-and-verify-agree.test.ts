/**
 * One judge: `generate` (realizeLocal) and `verify --spec` (verifyPki with a plan) ask compare/ whether a file is what
 * the plan says, so they cannot disagree. Each case edits a generated tree, then asks both.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rbacFileHolds } from '../../src/compare';
import { realizeLocal } from '../../src/realize/local';
import { verifyPki } from '../../src/verify';
import { realizeStack, removeTree, type FixtureTree } from '../support/fixture-trees';
import { copyTree } from '../verify/verify-test-trees';

let tree: FixtureTree;
const copies: string[] = [];
beforeAll(async () => {
  // Two namespaces, so rbac/10-namespaces.yaml exists and holds more than one object.
  tree = await realizeStack('lab', 'ECDSA-P256', (spec) => {
    spec.spec.users[0]!.namespaces = ['app1-dev', 'app1-staging'];
  });
});
afterAll(() => removeTree(tree?.dir));
afterEach(() => {
  for (const dir of copies.splice(0)) removeTree(dir);
});

/** What verify --spec says about a file, and what a dry-run generate would do with it. */
async function bothJudges(
  edit: (dir: string) => void,
  file: string,
): Promise<{ verify: string[]; generate: string | undefined }> {
  const dir = copyTree(tree.dir);
  copies.push(dir);
  edit(dir);
  const verify = verifyPki(dir, { plan: tree.plan })
    .filter((f) => f.file === file && f.id.startsWith('drift.'))
    .map((f) => f.id);
  const report = await realizeLocal(tree.plan, dir, { dryRun: true });
  return { verify, generate: report.changes.find((c) => c.path === file)?.action };
}

const namespaces = 'rbac/10-namespaces.yaml';

describe('generate and verify --spec judge an rbac/ file the same way', () => {
  it('a comment line added to rbac/10-namespaces.yaml: generate keeps it, verify reports no drift', async () => {
    const result = await bothJudges(
      (dir) => fs.appendFileSync(path.join(dir, namespaces), '# reviewed by the platform team\n'),
      namespaces,
    );
    expect(result).toEqual({ verify: [], generate: 'kept' });
  });

  it('a Namespace removed from the file: generate rewrites it, verify reports drift.rbac', async () => {
    const result = await bothJudges((dir) => {
      const file = path.join(dir, namespaces);
      const documents = fs
        .readFileSync(file, 'utf8')
        .split(/^---\n/m)
        .filter(Boolean);
      expect(documents.length, 'the lab spec plans more than one namespace').toBeGreaterThan(1);
      fs.writeFileSync(
        file,
        documents
          .slice(1)
          .map((d) => `---\n${d}`)
          .join(''),
      );
    }, namespaces);
    expect(result).toEqual({ verify: ['drift.rbac'], generate: 'updated' });
  });

  it('compares by content: key order and comments are not drift, a changed value is', () => {
    const plan = tree.plan.rbac.find((f) => f.path === namespaces)!;
    const text = fs.readFileSync(path.join(tree.dir, namespaces), 'utf8');
    expect(rbacFileHolds(plan, text)).toBe(true);
    expect(rbacFileHolds(plan, `# a comment\n${text}`)).toBe(true);
    expect(rbacFileHolds(plan, text.replace(/name: (\S+)/, 'name: $1-renamed'))).toBe(false);
    expect(rbacFileHolds(plan, 'not: [yaml')).toBe(false);
  });
});
