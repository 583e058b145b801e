import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, removeTree, temporaryDirectory } from '../support/fixture-trees';
import { TlsProviderEmulator } from '../support/tls-provider-emulator';
import { nodeRequire, pulumi, settle, startMockedRun } from '../support/pulumi-realize';

// The program Pulumi.yaml names (src/pulumi.ts, built to dist/pulumi.js): stack config in, stack outputs out.

const programPath = path.join(repoRoot, 'dist/pulumi.js');

async function runProgram(
  config: Record<string, string>,
  emulator = new TlsProviderEmulator(),
): Promise<Record<string, any>> {
  await startMockedRun();
  await pulumi.runtime.setMocks(emulator.mocks() as never, 'kubepki', 'lab', false);
  pulumi.runtime.setAllConfig(config);
  delete nodeRequire.cache[programPath];
  return nodeRequire(programPath);
}

describe('the Pulumi program (src/pulumi.ts)', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach(removeTree));

  it('reads kubepki:spec and kubepki:outDir relative to stacks/, and exports a secret-free inventory and secret credentials', async () => {
    const out = temporaryDirectory('kubepki-program-');
    dirs.push(out);
    const specCopy = path.join(out, 'lab.cluster.yaml');
    fs.writeFileSync(
      specCopy,
      fs
        .readFileSync(path.join(repoRoot, 'stacks/lab.cluster.yaml'), 'utf8')
        .replace('encryptionAlgorithm: RSA-2048', 'encryptionAlgorithm: ECDSA-P256'),
    );
    const program = await runProgram({ 'kubepki:spec': specCopy, 'kubepki:outDir': path.join(out, 'tree') });
    const inventory = await settle(pulumi.output(program.inventory));
    expect(await pulumi.isSecret(pulumi.output(program.inventory))).toBe(false);
    expect(JSON.stringify(inventory)).not.toContain('PRIVATE KEY');
    expect(inventory.certificates.map((c: { id: string }) => c.id)).toContain('cp1/apiserver');
    const apiserver = inventory.certificates.find((c: { id: string }) => c.id === 'cp1/apiserver');
    expect(apiserver.sans.ipAddresses).toEqual(['10.96.0.1', '10.0.0.11']);
    const notAfter = await settle(pulumi.output(program.notAfter));
    expect(await pulumi.isSecret(pulumi.output(program.notAfter))).toBe(false);
    expect(Date.parse(notAfter['cp1/apiserver'])).toBeGreaterThan(Date.now() + 364 * 24 * 3600_000);
    expect(await pulumi.isSecret(program.kubeconfigs)).toBe(true);
    expect(await pulumi.isSecret(program.serviceAccountPrivateKeyPem)).toBe(true);
    const kubeconfigs = await settle(program.kubeconfigs as import('@pulumi/pulumi').Output<Record<string, string>>);
    expect(Object.keys(kubeconfigs)).toContain('users/alice.conf');
    expect(await settle(pulumi.output(program.outputDirectory))).toBe(path.join(out, 'tree'));
  }, 120_000);

  it('fails with the same spec messages as the CLI, without a stack trace', async () => {
    const out = temporaryDirectory('kubepki-program-bad-');
    dirs.push(out);
    const bad = path.join(out, 'bad.cluster.yaml');
    fs.writeFileSync(
      bad,
      'apiVersion: kubepki.io/v1alpha1\nkind: Cluster\nmetadata: {name: bad}\nspec:\n  controlPlane: [{name: cp1, advertiseAddress: 10.0.0.300}]\n',
    );
    let error: unknown;
    try {
      await runProgram({ 'kubepki:spec': bad });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(pulumi.RunError);
    expect((error as Error).message).toContain(
      'spec.controlPlane[0].advertiseAddress: "10.0.0.300" is not an IPv4 or IPv6 address',
    );
  });
});

describe('renewal', () => {
  it('wires spec.pki.renewBefore to earlyRenewalHours of every leaf', async () => {
    const { planPki } = await import('../../src/plan');
    const { stackSpec } = await import('../support/fixture-trees');
    const { runKubePki } = await import('../support/pulumi-realize');
    const emulator = new TlsProviderEmulator();
    const dir = temporaryDirectory('kubepki-renew-');
    try {
      await runKubePki(
        emulator,
        planPki(stackSpec('lab', 'ECDSA-P256', (s) => (s.spec.pki.renewBefore = '720h'))),
        dir,
      );
      const leaves = emulator.recorded.filter(
        (r) =>
          r.type === 'tls:index/locallySignedCert:LocallySignedCert' ||
          r.type === 'pulumi-nodejs:dynamic/kubepki:MultiGroupCertificate',
      );
      expect(leaves.length).toBeGreaterThan(10);
      for (const r of leaves) expect(r.inputs.earlyRenewalHours, r.name).toBe(720);
    } finally {
      removeTree(dir);
    }
  });

  it("the MultiGroupCertificate provider (as serialized for Pulumi's host) replaces a certificate inside its renewal window", async () => {
    const emulator = new TlsProviderEmulator();
    const { planPki } = await import('../../src/plan');
    const { stackSpec } = await import('../support/fixture-trees');
    const { runKubePki } = await import('../support/pulumi-realize');
    const dir = temporaryDirectory('kubepki-renew-dyn-');
    try {
      await runKubePki(emulator, planPki(stackSpec('lab', 'ECDSA-P256')), dir);
      const dynamic = emulator.recorded.find((r) => r.type === 'pulumi-nodejs:dynamic/kubepki:MultiGroupCertificate')!;
      const provider = (nodeRequire('require-from-string') as (code: string) => { handler: () => any })(
        dynamic.inputs.__provider,
      ).handler();
      const { __provider, ...news } = dynamic.inputs;
      const created = await provider.create(news);
      expect((await provider.diff('x', created.outs, news)).replaces).toEqual([]);
      const late = { ...created.outs, validityEndTime: new Date(Date.now() + 10 * 3600_000).toISOString() };
      expect((await provider.diff('x', late, { ...news, earlyRenewalHours: 24 })).replaces).toContain(
        'validityEndTime',
      );
      expect(
        (await provider.diff('x', created.outs, { ...news, template: { ...news.template, organizations: ['other'] } }))
          .replaces,
      ).toContain('template');
      expect(JSON.stringify(created.outs)).not.toContain('PRIVATE KEY');
    } finally {
      removeTree(dir);
    }
  }, 60_000);
});
