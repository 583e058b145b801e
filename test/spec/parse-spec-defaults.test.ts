import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as yaml from 'js-yaml';
import { loadSpecFile, parseSpec } from '../../src/spec';
import { stackFile } from '../support/fixture-trees';
import { minimalDocument } from './spec-test-documents';

describe('parseSpec defaults', () => {
  it('fills every documented default into a spec that names only its control-plane node', () => {
    const spec = parseSpec(minimalDocument());
    const s = spec.spec;
    expect(s.clusterName).toBe('kubernetes');
    expect(s.kubernetesVersion).toBe('v1.33.0');
    expect(s.controlPlaneEndpoint).toBeUndefined();
    expect(s.networking).toEqual({ dnsDomain: 'cluster.local', serviceSubnet: '10.96.0.0/12' });
    expect(s.apiServer).toEqual({ certSANs: [], bindPort: 6443 });
    expect(s.etcd).toEqual({ local: { serverCertSANs: [], peerCertSANs: [] } });
    expect(s.pki).toEqual({
      encryptionAlgorithm: 'RSA-2048',
      certificateValidityPeriod: '8760h',
      caCertificateValidityPeriod: '87600h',
      kubeletServingCertificates: false,
    });
    expect(s.workers).toEqual([]);
    expect(s.users).toEqual([]);
    expect(s.controlPlane).toEqual([{ name: 'cp1', advertiseAddress: '10.0.0.11' }]);
  });

  it('keeps what the user wrote and defaults only the fields left out, inside partly written sections too', () => {
    const spec = parseSpec(
      minimalDocument({
        networking: { dnsDomain: 'corp.internal' },
        apiServer: { bindPort: 8443 },
        pki: { encryptionAlgorithm: 'ECDSA-P256' },
        etcd: { local: { serverCertSANs: ['etcd.example.com'] } },
        users: [{ name: 'alice' }],
      }),
    );
    expect(spec.spec.networking).toEqual({ dnsDomain: 'corp.internal', serviceSubnet: '10.96.0.0/12' });
    expect(spec.spec.apiServer).toEqual({ certSANs: [], bindPort: 8443 });
    expect(spec.spec.pki).toEqual({
      encryptionAlgorithm: 'ECDSA-P256',
      certificateValidityPeriod: '8760h',
      caCertificateValidityPeriod: '87600h',
      kubeletServingCertificates: false,
    });
    expect(spec.spec.etcd).toEqual({ local: { serverCertSANs: ['etcd.example.com'], peerCertSANs: [] } });
    expect(spec.spec.users).toEqual([{ name: 'alice', groups: [], namespaces: [] }]);
  });

  it('accepts an external etcd instead of the default local one', () => {
    const spec = parseSpec(minimalDocument({ etcd: { external: { endpoints: ['https://etcd-0:2379'] } } }));
    expect(spec.spec.etcd).toEqual({ external: { endpoints: ['https://etcd-0:2379'] } });
  });

  it('accepts ECDSA-P384 from kubernetesVersion v1.34 on, and ECDSA-P256 from v1.31', () => {
    expect(
      parseSpec(minimalDocument({ kubernetesVersion: 'v1.34.0', pki: { encryptionAlgorithm: 'ECDSA-P384' } })).spec.pki
        .encryptionAlgorithm,
    ).toBe('ECDSA-P384');
    expect(
      parseSpec(minimalDocument({ kubernetesVersion: 'v1.31.0', pki: { encryptionAlgorithm: 'ECDSA-P256' } })).spec.pki
        .encryptionAlgorithm,
    ).toBe('ECDSA-P256');
  });

  it('accepts a dual-stack service subnet and IPv6 addresses', () => {
    const spec = parseSpec(
      minimalDocument({
        networking: { serviceSubnet: '10.96.0.0/12,fd00::/108' },
        controlPlane: [{ name: 'cp1', advertiseAddress: 'fd00::11' }],
        controlPlaneEndpoint: '[fd00::1]:6443',
      }),
    );
    expect(spec.spec.networking.serviceSubnet).toBe('10.96.0.0/12,fd00::/108');
    expect(spec.spec.controlPlane[0]!.advertiseAddress).toBe('fd00::11');
  });
});

describe('the shipped stacks', () => {
  it('lab parses with the values it states', () => {
    const spec = loadSpecFile(stackFile('lab'));
    expect(spec.metadata.name).toBe('lab');
    expect(spec.spec.controlPlane).toEqual([{ name: 'cp1', advertiseAddress: '10.0.0.11' }]);
    expect(spec.spec.workers).toEqual([{ name: 'w1', address: '10.0.0.21' }]);
    expect(spec.spec.users).toEqual([{ name: 'alice', groups: ['dev-team', 'oncall'], namespaces: [] }]);
  });

  it('ha parses with three control-plane nodes behind an endpoint, three workers and three users', () => {
    const spec = loadSpecFile(stackFile('ha'));
    expect(spec.spec.controlPlaneEndpoint).toBe('ha-api.example.internal:6443');
    expect(spec.spec.controlPlane.map((n) => n.name)).toEqual(['cp1', 'cp2', 'cp3']);
    expect(spec.spec.workers.map((n) => n.name)).toEqual(['w1', 'w2', 'w3']);
    expect(spec.spec.users.map((u) => u.name)).toEqual(['alice', 'bob', 'carol']);
    expect(spec.spec.apiServer.certSANs).toEqual(['192.168.50.10', 'api.ha.example.com', '*.ha.example.com']);
  });

  it('parsing is idempotent: a parsed spec parses to itself', () => {
    for (const stack of ['lab', 'ha']) {
      const once = loadSpecFile(stackFile(stack));
      expect(parseSpec(JSON.parse(JSON.stringify(once)))).toEqual(once);
    }
  });

  it('parseSpec of the YAML document equals loadSpecFile of the file', () => {
    const file = stackFile('ha');
    expect(parseSpec(yaml.load(fs.readFileSync(file, 'utf8')))).toEqual(loadSpecFile(file));
  });
});
