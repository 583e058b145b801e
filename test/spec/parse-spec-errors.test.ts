import { describe, expect, it } from 'vitest';
import { parseSpec, SpecError } from '../../src/spec';
import { issueLine, issuesOf, minimalDocument } from './spec-test-documents';

// Every problem names its path, quotes the offending value and says the fix. Each case is checked alone (exactly
// that one problem is reported), then all of them together in one document (all reported by one SpecError).

interface Case {
  name: string;
  spec: Record<string, unknown>;
  path: string;
  /** Fragments the message must contain: the quoted value and the fix. */
  says: (string | RegExp)[];
}

const twoNodes = (second: Record<string, unknown>) => [{ name: 'cp1', advertiseAddress: '10.0.0.11' }, second];

const cases: Case[] = [
  {
    name: 'an advertise address that is not an IP',
    spec: { controlPlane: twoNodes({ name: 'cp2', advertiseAddress: '10.0.0.300' }) },
    path: 'spec.controlPlane[1].advertiseAddress',
    says: ['"10.0.0.300"', 'is not an IPv4 or IPv6 address'],
  },
  {
    name: 'a worker address that is not an IP',
    spec: { workers: [{ name: 'w1', address: 'worker-one' }] },
    path: 'spec.workers[0].address',
    says: ['"worker-one"', 'is not an IPv4 or IPv6 address'],
  },
  {
    name: 'a service subnet that is not a CIDR',
    spec: { networking: { serviceSubnet: '10.96.0.0/33' } },
    path: 'spec.networking.serviceSubnet',
    says: ['"10.96.0.0/33"', 'is not a CIDR', 'e.g. 10.96.0.0/12'],
  },
  {
    name: 'a service subnet without a prefix length',
    spec: { networking: { serviceSubnet: '10.96.0.0' } },
    path: 'spec.networking.serviceSubnet',
    says: ['"10.96.0.0"', 'is not a CIDR'],
  },
  {
    name: 'a pod subnet with a bad second CIDR',
    spec: { networking: { podSubnet: '10.244.0.0/16,fd00::/129' } },
    path: 'spec.networking.podSubnet',
    says: ['"10.244.0.0/16,fd00::/129"', 'is not a CIDR'],
  },
  {
    name: 'a worker with the name of a control-plane node',
    spec: { workers: [{ name: 'cp1' }] },
    path: 'spec.workers[0].name',
    says: ['"cp1"', 'spec.controlPlane[0].name', 'unique across controlPlane and workers'],
  },
  {
    name: 'two control-plane nodes with one name',
    spec: { controlPlane: twoNodes({ name: 'cp1', advertiseAddress: '10.0.0.12' }) },
    path: 'spec.controlPlane[1].name',
    says: ['"cp1"', 'spec.controlPlane[0].name', 'unique'],
  },
  {
    name: 'two workers with one name',
    spec: { workers: [{ name: 'w1' }, { name: 'w1' }] },
    path: 'spec.workers[1].name',
    says: ['"w1"', 'spec.workers[0].name', 'unique'],
  },
  {
    name: 'a node name that is not a DNS-1123 label',
    spec: { workers: [{ name: 'Worker_1' }] },
    path: 'spec.workers[0].name',
    says: ['"Worker_1"', 'is not a DNS-1123 label', 'lower-case letters, digits'],
  },
  {
    name: 'a control-plane node name with a dot',
    spec: { controlPlane: [{ name: 'cp1.example.com', advertiseAddress: '10.0.0.11' }] },
    path: 'spec.controlPlane[0].name',
    says: ['"cp1.example.com"', 'is not a DNS-1123 label'],
  },
  {
    name: 'an unknown key algorithm',
    spec: { pki: { encryptionAlgorithm: 'RSA-1024' } },
    path: 'spec.pki.encryptionAlgorithm',
    says: ['"RSA-1024"', 'is not one of', 'RSA-2048', 'ECDSA-P256'],
  },
  {
    name: 'a misspelled field',
    spec: { pki: { encryptionAlgoritm: 'RSA-2048' } },
    path: 'spec.pki.encryptionAlgoritm',
    says: ['unknown field', 'did you mean "encryptionAlgorithm"?'],
  },
  {
    name: 'a misspelled section',
    spec: { apiServr: { certSANs: [] } },
    path: 'spec.apiServr',
    says: ['unknown field', 'did you mean "apiServer"?'],
  },
  {
    name: 'an unknown field nothing resembles',
    spec: { controlPlane: [{ name: 'cp1', advertiseAddress: '10.0.0.11', zzzzzzzzzz: true }] },
    path: 'spec.controlPlane[0].zzzzzzzzzz',
    says: ['unknown field', 'allowed fields here: name, advertiseAddress'],
  },
  {
    name: "a user name with '/'",
    spec: { users: [{ name: 'team/alice' }] },
    path: 'spec.users[0].name',
    says: ['"team/alice"', "no '/'", 'users/<name>.conf'],
  },
  {
    name: "a user name with '..'",
    spec: { users: [{ name: 'alice..bob' }] },
    path: 'spec.users[0].name',
    says: ['"alice..bob"', "'..'"],
  },
  {
    name: 'a user name that walks out of users/',
    spec: { users: [{ name: '../etc/passwd' }] },
    path: 'spec.users[0].name',
    says: ['"../etc/passwd"', 'is not a usable user name'],
  },
  {
    name: 'a validity that does not parse',
    spec: { pki: { certificateValidityPeriod: '1y' } },
    path: 'spec.pki.certificateValidityPeriod',
    says: ['"1y"', 'is not a Go duration', 'e.g. 8760h'],
  },
  {
    name: 'a CA validity that is not whole hours',
    spec: { pki: { caCertificateValidityPeriod: '90m' } },
    path: 'spec.pki.caCertificateValidityPeriod',
    says: ['"90m"', 'whole hours'],
  },
  {
    name: 'a leaf validity longer than the CA validity',
    spec: { pki: { certificateValidityPeriod: '100000h' } },
    path: 'spec.pki.certificateValidityPeriod',
    says: ['"100000h"', 'caCertificateValidityPeriod (87600h)', 'cannot outlive its CA', 'shorten'],
  },
  {
    name: 'a leaf validity longer than a shortened CA validity',
    spec: { pki: { caCertificateValidityPeriod: '4380h' } },
    path: 'spec.pki.certificateValidityPeriod',
    says: ['"8760h"', '(4380h)'],
  },
  {
    name: "a user's validity longer than the CA validity",
    spec: { users: [{ name: 'alice', validityPeriod: '90000h' }] },
    path: 'spec.users[0].validityPeriod',
    says: ['"90000h"', '87600h', 'shorten'],
  },
  {
    name: 'an empty control plane',
    spec: { controlPlane: [] },
    path: 'spec.controlPlane',
    says: ['is empty', 'at least one control-plane node', 'advertiseAddress'],
  },
  {
    name: 'a worker named users',
    spec: { workers: [{ name: 'users' }] },
    path: 'spec.workers[0].name',
    says: ['"users"', 'reserved', 'rename the node'],
  },
  {
    name: 'a control-plane node named rbac',
    spec: { controlPlane: [{ name: 'rbac', advertiseAddress: '10.0.0.11' }] },
    path: 'spec.controlPlane[0].name',
    says: ['"rbac"', 'reserved', 'rename the node'],
  },
  {
    name: 'ECDSA-P384 with kubernetesVersion v1.33',
    spec: { kubernetesVersion: 'v1.33.0', pki: { encryptionAlgorithm: 'ECDSA-P384' } },
    path: 'spec.pki.encryptionAlgorithm',
    says: ['"ECDSA-P384"', 'v1.34', '"v1.33.0"', 'raise kubernetesVersion'],
  },
  {
    name: 'ECDSA-P384 with the default kubernetesVersion (v1.33.0)',
    spec: { pki: { encryptionAlgorithm: 'ECDSA-P384' } },
    path: 'spec.pki.encryptionAlgorithm',
    says: ['"ECDSA-P384"', 'v1.34'],
  },
  {
    name: 'ECDSA-P256 before kubeadm v1.31',
    spec: { kubernetesVersion: 'v1.30.4', pki: { encryptionAlgorithm: 'ECDSA-P256' } },
    path: 'spec.pki.encryptionAlgorithm',
    says: ['"ECDSA-P256"', 'v1.31', '"v1.30.4"'],
  },
  {
    name: 'a certSAN that is neither IP nor DNS name',
    spec: { apiServer: { certSANs: ['api_server!'] } },
    path: 'spec.apiServer.certSANs[0]',
    says: ['"api_server!"', 'neither an IP address, a DNS-1123 name nor a wildcard'],
  },
  {
    name: 'an endpoint port out of range',
    spec: { controlPlaneEndpoint: 'api.example.com:70000' },
    path: 'spec.controlPlaneEndpoint',
    says: ['"api.example.com:70000"', 'port 1-65535'],
  },
];

describe('parseSpec refuses bad input with path, value and fix', () => {
  it.each(cases)('$name', ({ spec, path, says }) => {
    const issues = issuesOf(minimalDocument(spec));
    expect(issues.map((i) => i.path)).toEqual([path]);
    for (const fragment of says) expect(issues[0]!.message).toMatch(fragment);
  });

  it('reports an invalid advertise address in exactly the documented words', () => {
    const issues = issuesOf(
      minimalDocument({ controlPlane: twoNodes({ name: 'cp2', advertiseAddress: '10.0.0.300' }) }),
    );
    expect(issues.map(issueLine)).toEqual([
      'spec.controlPlane[1].advertiseAddress: "10.0.0.300" is not an IPv4 or IPv6 address',
    ]);
    expect(issues[0]!.code).toBe('invalid_ip');
  });

  it('reports a missing controlPlane as required', () => {
    const document = minimalDocument();
    delete (document.spec as Record<string, unknown>).controlPlane;
    const issues = issuesOf(document);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: 'spec.controlPlane', code: 'required' });
    expect(issues[0]!.message).toMatch(/required but missing: add it/);
  });

  it('reports every problem of a document at once, in one SpecError whose message lists them all', () => {
    const document = minimalDocument({
      networking: { serviceSubnet: '10.96.0.0/33' },
      controlPlane: twoNodes({ name: 'cp2', advertiseAddress: '10.0.0.300' }),
      workers: [{ name: 'cp1' }, { name: 'Worker_1' }, { name: 'users' }],
      pki: {
        encryptionAlgorithm: 'ECDSA-P999',
        certificateValidityPeriod: '1y',
        caCertificateValidityPeriod: '87600h',
      },
      apiServr: {},
      users: [{ name: 'a/b' }, { name: 'x..y' }],
    });
    let error: unknown;
    try {
      parseSpec(document, 'many.cluster.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SpecError);
    const specError = error as SpecError;
    const expected = [
      'spec.networking.serviceSubnet',
      'spec.controlPlane[1].advertiseAddress',
      'spec.workers[0].name', // duplicate of cp1
      'spec.workers[1].name', // not a DNS-1123 label
      'spec.workers[2].name', // reserved
      'spec.pki.encryptionAlgorithm',
      'spec.pki.certificateValidityPeriod',
      'spec.apiServr',
      'spec.users[0].name',
      'spec.users[1].name',
    ];
    expect(new Set(specError.issues.map((i) => i.path))).toEqual(new Set(expected));
    expect(specError.issues).toHaveLength(expected.length);
    expect(specError.source).toBe('many.cluster.yaml');
    expect(specError.message).toMatch(new RegExp(`^${expected.length} problems in many\\.cluster\\.yaml:`));
    for (const issue of specError.issues) {
      expect(specError.message).toContain(issueLine(issue));
      expect(issue.code).not.toBe('');
    }
  });

  it('reports cross-field problems even when unrelated fields failed the schema', () => {
    const issues = issuesOf(
      minimalDocument({
        kubernetesVersion: 'v1.33.0',
        pki: { encryptionAlgorithm: 'ECDSA-P384', certificateValidityPeriod: '100000h' },
        controlPlane: [
          { name: 'cp1', advertiseAddress: 'not-an-ip' },
          { name: 'cp1', advertiseAddress: '10.0.0.12' },
        ],
        workers: [{ name: 'rbac' }],
      }),
    );
    expect(issues).toHaveLength(5);
    expect(issues.find((i) => i.path === 'spec.controlPlane[0].advertiseAddress')?.message).toMatch('"not-an-ip"');
    expect(
      new Set(
        issues.filter((i) => i.path !== 'spec.controlPlane[0].advertiseAddress').map((i) => `${i.path} ${i.code}`),
      ),
    ).toEqual(
      new Set([
        'spec.controlPlane[1].name duplicate_name',
        'spec.workers[0].name reserved_name',
        'spec.pki.certificateValidityPeriod leaf_outlives_ca',
        'spec.pki.encryptionAlgorithm algorithm_needs_newer_kubernetes',
      ]),
    );
  });

  it('never reports one problem twice', () => {
    const issues = issuesOf(minimalDocument({ workers: [{ name: 'cp1' }, { name: 'cp1' }] }));
    const lines = issues.map(issueLine);
    expect(new Set(lines).size).toBe(lines.length);
    expect(issues.map((i) => i.path)).toEqual(['spec.workers[0].name', 'spec.workers[1].name']);
  });

  // Was a bug: every check built with checked() surfaced as zod's generic "custom" code.
  it('gives each kind of field problem its own code', () => {
    const issues = issuesOf(
      minimalDocument({
        controlPlane: [{ name: 'Bad_Name', advertiseAddress: '10.0.0.300' }],
        networking: { serviceSubnet: '10.96.0.0/33' },
        pki: { certificateValidityPeriod: '1y' },
      }),
    );
    const codes = issues.map((i) => i.code);
    expect(codes).not.toContain('custom');
    expect(new Set(codes).size).toBe(4);
  });

  // Was a bug: ipaddr.js accepts a zone index; the zone cannot go into a certificate SAN, so the apiserver certificate
  // was reissued on every run and the local endpoint https://[fe80::1%eth0]:6443 was not a valid URL.
  it('refuses an IPv6 address with a zone index', () => {
    const issues = issuesOf(minimalDocument({ controlPlane: [{ name: 'cp1', advertiseAddress: 'fe80::1%eth0' }] }));
    expect(issues.map((i) => i.path)).toEqual(['spec.controlPlane[0].advertiseAddress']);
    expect(issues[0]!.message).toContain('"fe80::1%eth0" is not an IPv4 or IPv6 address');
  });
});
