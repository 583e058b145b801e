import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planPki } from '../../src/plan';
import { stackSpec, removeTree, temporaryDirectory } from '../support/fixture-trees';
import { TlsProviderEmulator, type RecordedResource } from '../support/tls-provider-emulator';
import { runKubePki } from '../support/pulumi-realize';

// What `pulumi preview` would show for a spec change: the emulator keeps state between runs like a real stack, so a
// resource registered again with identical inputs is unchanged, and any difference in inputs is a real update.

type Registry = Map<string, RecordedResource>;
const registry = (recorded: RecordedResource[]): Registry =>
  new Map(recorded.map((r) => [`${r.type}::${r.name}`, structuredClone(r)]));

function changedResources(before: Registry, after: Registry): string[] {
  return [...before]
    .filter(([key, r]) => after.has(key) && JSON.stringify(after.get(key)!.inputs) !== JSON.stringify(r.inputs))
    .map(([key]) => key);
}

describe('resource names and inputs across spec changes (ha, ECDSA-P256)', () => {
  const emulator = new TlsProviderEmulator();
  const dirs: string[] = [];
  let base: Registry;
  beforeAll(async () => {
    const dir = temporaryDirectory('kubepki-pulumi-stable-');
    dirs.push(dir);
    await runKubePki(emulator, planPki(stackSpec('ha', 'ECDSA-P256')), dir, 'ha');
    base = registry(emulator.recorded);
  }, 120_000);
  afterAll(() => dirs.forEach(removeTree));

  const rerun = async (change: Parameters<typeof stackSpec>[2]) => {
    const dir = dirs[0]!;
    await runKubePki(emulator, planPki(stackSpec('ha', 'ECDSA-P256', change)), dir, 'ha');
    const after = registry(emulator.recorded);
    // Put the base state back for the next case.
    await runKubePki(emulator, planPki(stackSpec('ha', 'ECDSA-P256')), dir, 'ha');
    return after;
  };

  it('names every resource after the component and a plan id or file path', () => {
    const names = [...base.values()].map((r) => r.name);
    expect(names).toContain('ha/ca');
    expect(names).toContain('ha/cp2/apiserver');
    expect(names).toContain('ha/users/alice.conf');
    expect(names).toContain('ha/cp3/pki/etcd/peer.crt');
    expect(new Set([...base.keys()]).size).toBe(base.size);
  });

  it('adding a user adds resources and changes no existing resource name or input', async () => {
    const after = await rerun((s) => s.spec.users.push({ name: 'dave', groups: ['sre'], namespaces: [] }));
    expect([...base.keys()].filter((k) => !after.has(k))).toEqual([]);
    expect(changedResources(base, after)).toEqual([]);
    const added = [...after.keys()].filter((k) => !base.has(k)).sort();
    expect(added).toEqual([
      'pulumi-nodejs:dynamic/kubepki:PkiFile::ha/users/dave.conf',
      'tls:index/certRequest:CertRequest::ha/users/dave.conf',
      'tls:index/locallySignedCert:LocallySignedCert::ha/users/dave.conf',
      'tls:index/privateKey:PrivateKey::ha/users/dave.conf',
    ]);
  });

  it('changing a certSAN changes only the apiserver certificate requests, their certificates, those files and the init kubeadm.yaml', async () => {
    const after = await rerun((s) => s.spec.apiServer.certSANs.push('extra.corp.example.net'));
    const changed = changedResources(base, after).sort();
    expect(changed).toEqual(
      [
        // The ClusterConfiguration lists the certSANs too.
        'pulumi-nodejs:dynamic/kubepki:PkiFile::ha/cp1/kubeadm.yaml',
        ...['cp1', 'cp2', 'cp3'].flatMap((n) => [
          `pulumi-nodejs:dynamic/kubepki:PkiFile::ha/${n}/pki/apiserver.crt`,
          `tls:index/certRequest:CertRequest::ha/${n}/apiserver`,
          `tls:index/locallySignedCert:LocallySignedCert::ha/${n}/apiserver`,
        ]),
      ].sort(),
    );
    for (const n of ['cp1', 'cp2', 'cp3']) {
      expect(after.get(`tls:index/certRequest:CertRequest::ha/${n}/apiserver`)!.inputs.dnsNames).toContain(
        'extra.corp.example.net',
      );
    }
    expect([...after.keys()].filter((k) => !base.has(k))).toEqual([]);
  });

  it('sets the ECDSA curve explicitly on every private key (the provider default is P224)', () => {
    const keys = [...base.values()].filter((r) => r.type === 'tls:index/privateKey:PrivateKey');
    // Every certificate's key plus the sa key.
    expect(keys).toHaveLength(planPki(stackSpec('ha', 'ECDSA-P256')).certificates.length + 1);
    for (const r of keys) expect(r.inputs).toMatchObject({ algorithm: 'ECDSA', ecdsaCurve: 'P256' });
  });
});

describe('two KubePki components in one program', () => {
  it('register no two resources under the same type and name', async () => {
    const { pulumi, nodeRequire, settle, startMockedRun } = await import('../support/pulumi-realize');
    const { repoRoot } = await import('../support/fixture-trees');
    const { KubePki } = nodeRequire(`${repoRoot}/dist/realize/pulumi`) as typeof import('../../src/realize/pulumi');
    const emulator = new TlsProviderEmulator();
    const dirs = [temporaryDirectory('kubepki-two-a-'), temporaryDirectory('kubepki-two-b-')];
    try {
      await startMockedRun();
      await pulumi.runtime.setMocks(emulator.mocks() as never, 'kubepki', 'two', false);
      const plan = planPki(stackSpec('lab', 'ECDSA-P256'));
      const components = [
        new KubePki('staging', { plan, outDir: dirs[0]! }),
        new KubePki('prod', { plan, outDir: dirs[1]! }),
      ];
      await Promise.all(components.flatMap((c) => Object.values(c.files).map((f) => settle(f.id))));
      await startMockedRun();
      const keys = emulator.recorded.map((r) => `${r.type}::${r.name}`);
      expect(new Set(keys).size).toBe(keys.length);
      expect(keys).toContain('tls:index/privateKey:PrivateKey::staging/ca');
      expect(keys).toContain('tls:index/privateKey:PrivateKey::prod/ca');
    } finally {
      dirs.forEach(removeTree);
    }
  }, 120_000);
});
