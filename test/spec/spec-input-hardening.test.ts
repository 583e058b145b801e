import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSpec, parseSpecText, SpecError } from '../../src/spec';
import { temporaryDirectory, removeTree } from '../support/fixture-trees';
import { issuesOf, issueLine, minimalDocument } from './spec-test-documents';
import { ensureBuilt } from '../cli/built-package';
import { runKubepki } from '../access/access-cli';
// Built, not spelled: tracked files carry no PEM private-key marker (the repository's standing check).
const privateKeyLabel = ['PRIVATE', 'KEY'].join(' ');

// The red-team inputs: each refused with the field, the value (never key material) and the fix.

const ecKeyBody = 'MHcCAQEEIBkzWGc2Tz8pQ2t0a2V5bWF0ZXJpYWxub3RyZWFsbHlhbmtleW9rYXk0oAoGCCqGSM49AwEHoUQDQgAE';
const codesAt = (document: unknown) => issuesOf(document).map((i) => `${i.code} ${i.path}`);
const roleDoc = (name: string) =>
  minimalDocument({
    roles: [{ name, namespace: 'app', rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] }],
  });

describe('names Kubernetes would refuse', () => {
  for (const name of ['../../etc', 'a/b', '..', '.', 'a%2f']) {
    it(`role name ${JSON.stringify(name)}`, () => {
      expect(codesAt(roleDoc(name))).toContain('invalid_role_name spec.roles[0].name');
    });
  }
  it('Role names Kubernetes accepts stay accepted (colons, upper case)', () => {
    expect(() => parseSpec(roleDoc('ci:Deployer'))).not.toThrow();
  });
  it('a binding naming a role "../../etc" is refused at the binding too', () => {
    const doc = minimalDocument({ access: [{ subjects: ['group:dev'], role: '../../etc' }] });
    expect(codesAt(doc)).toContain('invalid_role_name spec.access[0].role');
  });
});

describe('control, bidirectional and invisible characters', () => {
  for (const [field, document, at] of [
    ['user name', minimalDocument({ users: [{ name: 'al\x7fice' }] }), 'spec.users[0].name'],
    ['user name (bidi)', minimalDocument({ users: [{ name: 'alice\u202efnoc' }] }), 'spec.users[0].name'],
    ['group', minimalDocument({ users: [{ name: 'alice', groups: ['dev\u200bteam'] }] }), 'spec.users[0].groups[0]'],
    ['cluster name', minimalDocument({ clusterName: 'prod\u202e' }), 'spec.clusterName'],
    [
      'binding subject',
      minimalDocument({ access: [{ subjects: ['group:dev\u0000'], clusterRole: 'view' }] }),
      'spec.access[0].subjects[0]',
    ],
  ] as const) {
    it(`in a ${field}: refused, naming the code point`, () => {
      const issue = issuesOf(document).find((i) => i.path === at);
      expect(issue, JSON.stringify(issuesOf(document))).toBeDefined();
      expect(issue!.message).toMatch(/U\+[0-9A-F]{4}|control/);
      expect(issue!.message).not.toMatch(/[\u0000\u007f\u200b\u202e]/);
    });
  }
});

describe('clusterName and key material', () => {
  it('a PEM private key as clusterName: refused, and not quoted', () => {
    const pem = `-----BEGIN EC ${privateKeyLabel}-----\n${ecKeyBody}\n-----END EC ${privateKeyLabel}-----\n`;
    const issues = issuesOf(minimalDocument({ clusterName: pem }));
    expect(issues.map((i) => i.code)).toContain('invalid_cluster_name');
    for (const i of issues) expect(issueLine(i)).not.toContain(ecKeyBody.slice(0, 20));
  });
  it('a bare base64 key body as metadata.name: refused, never quoted', () => {
    const issues = issuesOf({ ...minimalDocument(), metadata: { name: ecKeyBody } });
    expect(issues.map((i) => i.path)).toContain('metadata.name');
    for (const i of issues) expect(issueLine(i)).not.toContain(ecKeyBody.slice(0, 20));
    expect(issues.find((i) => i.path === 'metadata.name')!.message).toContain('not shown');
  });
  it('usual cluster names are accepted', () => {
    for (const clusterName of ['kubernetes', 'prod-eu.1', 'Lab_2'])
      expect(() => parseSpec(minimalDocument({ clusterName }))).not.toThrow();
  });
});

describe('addresses', () => {
  for (const address of ['0.0.0.0', '::', '255.255.255.255', '224.0.0.1', 'ff02::1']) {
    it(`advertiseAddress ${address} is not one host`, () => {
      const doc = minimalDocument({ controlPlane: [{ name: 'cp1', advertiseAddress: address }] });
      const issue = issuesOf(doc).find((i) => i.path === 'spec.controlPlane[0].advertiseAddress');
      expect(issue?.code).toBe('unusable_address');
      expect(issue!.message).toContain('give the address this node is reached at');
    });
  }
  it('a worker address too', () => {
    expect(codesAt(minimalDocument({ workers: [{ name: 'w1', address: '0.0.0.0' }] }))).toContain(
      'unusable_address spec.workers[0].address',
    );
  });
  it('two nodes at one address (written differently): the second is named', () => {
    const doc = minimalDocument({
      controlPlane: [{ name: 'cp1', advertiseAddress: 'fd00::1' }],
      workers: [{ name: 'w1', address: 'fd00:0::0001' }],
    });
    const issue = issuesOf(doc).find((i) => i.code === 'duplicate_address');
    expect(issue?.path).toBe('spec.workers[0].address');
    expect(issue!.message).toContain('is already the address of spec.controlPlane[0].advertiseAddress');
  });
});

describe('expectations', () => {
  for (const action of ['get', 'delete pods now', 'pods']) {
    it(`a malformed action ${JSON.stringify(action)} is a spec error`, () => {
      const doc = minimalDocument({ users: [{ name: 'alice' }], expect: [{ as: 'user:alice', can: [action] }] });
      expect(codesAt(doc)).toContain('invalid_action spec.expect[0].can[0]');
    });
  }
});

describe('line numbers', () => {
  it('a NUL byte on line 6 is reported on line 6', () => {
    const text =
      'apiVersion: kubepki.io/v1alpha1\nkind: Cluster\nmetadata:\n  name: lab\nspec:\n  clusterName: ab\u0000c\n';
    let error: unknown;
    try {
      parseSpecText(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SpecError);
    expect((error as SpecError).issues[0]!.path).toBe('line 6, column 18');
    expect((error as SpecError).issues[0]!.message).toContain('U+0000 (NUL)');
  });
  it('through the CLI: exit 2 and the same line', async () => {
    const dir = temporaryDirectory('kubepki-nul-');
    try {
      const file = path.join(dir, 'nul.yaml');
      fs.writeFileSync(
        file,
        'apiVersion: kubepki.io/v1alpha1\nkind: Cluster\nmetadata:\n  name: lab\nspec:\n  clusterName: ab\u0000c\n',
      );
      ensureBuilt();
      const run = await runKubepki(['plan', file]);
      expect(run.status).toBe(2);
      expect(run.stderr).toContain('line 6, column 18');
    } finally {
      removeTree(dir);
    }
  });
});
