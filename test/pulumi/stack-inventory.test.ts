import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { ParsedCertificate } from '../../src/crypto';
import { parseKubeconfig } from '../../src/outputs';
import { cliPath, repoRoot, removeTree, temporaryDirectory } from '../support/fixture-trees';
import { TlsProviderEmulator } from '../support/tls-provider-emulator';
import { nodeRequire, pulumi, settle, startMockedRun } from '../support/pulumi-realize';

// The stack's `inventory` output is what `kubepki plan --format json` prints for the same spec, and every certificate
// the component actually issued says what that inventory says.

const programPath = path.join(repoRoot, 'dist/pulumi.js');

describe.each(['lab', 'ha'] as const)('stack inventory, %s (ECDSA-P256)', (stack) => {
  const work = temporaryDirectory(`kubepki-inventory-${stack}-`);
  afterAll(() => removeTree(work));

  it('equals `kubepki plan --format json`, and the issued certificates match it field by field', async () => {
    const spec = path.join(work, `${stack}.cluster.yaml`);
    fs.writeFileSync(
      spec,
      fs
        .readFileSync(path.join(repoRoot, `stacks/${stack}.cluster.yaml`), 'utf8')
        .replace('encryptionAlgorithm: RSA-2048', 'encryptionAlgorithm: ECDSA-P256'),
    );
    const tree = path.join(work, 'tree');
    await startMockedRun();
    await pulumi.runtime.setMocks(new TlsProviderEmulator().mocks() as never, 'kubepki', stack, false);
    pulumi.runtime.setAllConfig({ 'kubepki:spec': spec, 'kubepki:outDir': tree });
    delete nodeRequire.cache[programPath];
    const program = nodeRequire(programPath) as Record<string, unknown>;
    const inventory = await settle(pulumi.output(program.inventory as object));
    const notAfter = await settle(pulumi.output(program.notAfter as Record<string, string>));
    await startMockedRun();

    const cli = spawnSync(process.execPath, [cliPath, 'plan', spec, '--format', 'json'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(cli.status, cli.stderr).toBe(0);
    expect(JSON.parse(JSON.stringify(inventory))).toEqual(JSON.parse(cli.stdout));

    const certificates = (
      inventory as {
        certificates: {
          id: string;
          paths: string[];
          subject: { commonName: string; organizations: string[] };
          sans: { dnsNames: string[]; ipAddresses: string[] };
          keyUsages: string[];
          extendedKeyUsages: string[];
          isCa: boolean;
          algorithm: string;
        }[];
      }
    ).certificates;
    expect(certificates.length).toBeGreaterThan(10);
    for (const entry of certificates) {
      const file = path.join(tree, entry.paths[0]!);
      const text = fs.readFileSync(file, 'utf8');
      const issued = ParsedCertificate.fromPem(
        entry.paths[0]!.endsWith('.conf') ? parseKubeconfig(text).clientCertificatePem! : text,
      );
      expect(
        {
          subject: { commonName: issued.commonName, organizations: issued.organizations },
          sans: { dnsNames: [...issued.dnsNames].sort(), ipAddresses: [...issued.ipAddresses].sort() },
          keyUsages: [...issued.keyUsages].sort(),
          extendedKeyUsages: [...issued.extendedKeyUsages].sort(),
          isCa: issued.isCa,
          algorithm: issued.algorithm,
        },
        entry.id,
      ).toEqual({
        subject: entry.subject,
        sans: { dnsNames: [...entry.sans.dnsNames].sort(), ipAddresses: [...entry.sans.ipAddresses].sort() },
        keyUsages: [...entry.keyUsages].sort(),
        extendedKeyUsages: [...entry.extendedKeyUsages].sort(),
        isCa: entry.isCa,
        algorithm: entry.algorithm,
      });
      // Certificates carry whole seconds; the provider's validity_end_time is RFC 3339.
      expect(Math.floor(Date.parse(notAfter[entry.id]!) / 1000), entry.id).toBe(issued.notAfter.getTime() / 1000);
    }
  }, 120_000);
});
