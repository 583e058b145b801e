import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSpecText, parseSpec } from '../../src/spec';
import { repoRoot } from '../support/fixture-trees';

// The README's spec reference is the first thing users copy: it must stay a valid spec.
describe('the README', () => {
  it('spec reference example is a valid cluster spec', () => {
    const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const block = /```yaml\n(apiVersion: kubepki\.io\/v1alpha1[\s\S]*?)```/.exec(readme);
    expect(block, 'a ```yaml block starting with apiVersion').not.toBeNull();
    const spec = parseSpec(parseSpecText(block![1]!, 'README.md'));
    expect(spec.spec.users[0]).toMatchObject({ name: 'alice', groups: ['dev-team', 'oncall'] });
  });
});

describe('every problem at once', () => {
  it('reports the problems of every user when one user fails the schema, at the right indices', () => {
    let paths: string[] = [];
    try {
      parseSpec({
        apiVersion: 'kubepki.io/v1alpha1',
        kind: 'Cluster',
        metadata: { name: 'x' },
        spec: {
          controlPlane: [{ name: 'cp1', advertiseAddress: '10.0.0.11' }],
          users: [{ name: 'a/../b' }, { name: 'system:foo' }, { name: 'kubernetes-admin' }],
          expect: [
            { as: 'user:nobody', can: ['get pods'] },
            { as: 'user:a/../b', can: ['get pods'] },
          ],
        },
      });
    } catch (error) {
      paths = (error as { issues: { path: string }[] }).issues.map((i) => i.path);
    }
    expect(paths).toEqual(['spec.users[0].name', 'spec.users[1].name', 'spec.users[2].name', 'spec.expect[0].as']);
  });
});
