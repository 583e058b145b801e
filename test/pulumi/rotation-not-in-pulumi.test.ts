import { describe, expect, it } from 'vitest';
import { planPki } from '../../src/plan';
import { removeTree, stackSpec, temporaryDirectory } from '../support/fixture-trees';
import { runKubePki } from '../support/pulumi-realize';
import { TlsProviderEmulator } from '../support/tls-provider-emulator';

describe('pulumi up and spec.pki.rotation', () => {
  it('refuses a rotated plan with what to use instead, rather than writing single-CA trust files', async () => {
    const plan = planPki(stackSpec('lab', 'ECDSA-P256', (s) => void (s.spec.pki.rotation = { etcdCA: { generation: 2, phase: 'trust' } })));
    const dir = temporaryDirectory('kubepki-pulumi-rotation-');
    try {
      await expect(runKubePki(new TlsProviderEmulator(), plan, dir)).rejects.toThrow(/pulumi up does not realize CA or sa-key rotations yet; take the rotation stages with `kubepki generate`/);
    } finally {
      removeTree(dir);
    }
  });
});
