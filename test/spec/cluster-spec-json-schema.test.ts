import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterSpecJsonSchema, renderClusterSpecJsonSchema } from '../../src/spec';
import { repoRoot, stackFile } from '../support/fixture-trees';

const committed = path.join(repoRoot, 'stacks', 'cluster.schema.json');

describe('stacks/cluster.schema.json', () => {
  it('is exactly what renderClusterSpecJsonSchema() renders (regenerate with `node dist/cli/main.js schema > stacks/cluster.schema.json`)', () => {
    expect(fs.readFileSync(committed, 'utf8')).toBe(renderClusterSpecJsonSchema());
  });

  it('describes the input form: strict objects, the algorithm enum, defaults, and controlPlane as the only required spec field', () => {
    const schema = clusterSpecJsonSchema() as any;
    const spec = schema.properties.spec;
    expect(schema.additionalProperties).toBe(false);
    expect(spec.additionalProperties).toBe(false);
    expect(spec.required).toEqual(['controlPlane']);
    expect(spec.properties.pki.properties.encryptionAlgorithm.enum).toEqual([
      'RSA-2048',
      'RSA-3072',
      'RSA-4096',
      'ECDSA-P256',
      'ECDSA-P384',
    ]);
    expect(spec.properties.pki.properties.encryptionAlgorithm.default).toBe('RSA-2048');
    expect(spec.properties.kubernetesVersion.default).toBe('v1.33.0');
    expect(spec.properties.apiServer.properties.bindPort.default).toBe(6443);
  });

  it('is the schema the shipped stacks point their editors at', () => {
    for (const stack of ['lab', 'ha']) {
      expect(fs.readFileSync(stackFile(stack), 'utf8')).toMatch(
        /^# yaml-language-server: \$schema=\.\/cluster\.schema\.json$/m,
      );
    }
  });
});
