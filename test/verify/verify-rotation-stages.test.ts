import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planPki, type PkiPlan } from '../../src/plan';
import { realizeLocal } from '../../src/realize/local';
import type { RotationPhase } from '../../src/spec';
import { verifyPki } from '../../src/verify';
import { removeTree, stackSpec, temporaryDirectory } from '../support/fixture-trees';

const planAt = (phase?: RotationPhase): PkiPlan =>
  planPki(
    stackSpec('lab', 'ECDSA-P256', (s) => {
      if (phase)
        s.spec.pki.rotation = {
          clusterCA: { generation: 2, phase },
          etcdCA: { generation: 2, phase },
          serviceAccountKey: { generation: 2, phase },
        };
    }),
  );
const errorsOf = (dir: string, plan: PkiPlan) => verifyPki(dir, { plan }).filter((f) => f.severity === 'error');

describe('verify --spec in every rotation stage', () => {
  const trees = new Map<string, string>();
  beforeAll(async () => {
    const dir = temporaryDirectory('kubepki-verify-rotation-');
    await realizeLocal(planAt(), dir);
    for (const phase of ['trust', 'issue', 'finish'] as const) {
      await realizeLocal(planAt(phase), dir);
      const copy = temporaryDirectory(`kubepki-verify-${phase}-`);
      fs.cpSync(dir, copy, { recursive: true });
      trees.set(phase, copy);
    }
    removeTree(dir);
  });
  afterAll(() => trees.forEach((dir) => removeTree(dir)));

  it.each(['trust', 'issue', 'finish'] as const)(
    'a tree generated at %s verifies without error against its own stage',
    (phase) => {
      expect(errorsOf(trees.get(phase)!, planAt(phase))).toEqual([]);
    },
  );

  it('a tree still at trust fails the issue stage: leaves from the wrong signer, bundles in the wrong order', () => {
    const findings = errorsOf(trees.get('trust')!, planAt('issue'));
    const ids = new Set(findings.map((f) => `${f.id} ${f.file}`));
    expect(ids).toContain('rotation.signer cp1/pki/apiserver.crt');
    expect(ids).toContain('rotation.signer cp1/pki/etcd/server.crt');
    expect(ids).toContain('rotation.signer users/alice.conf');
    expect(ids).toContain('rotation.trust-bundle cp1/pki/ca.crt');
    expect(findings.find((f) => f.file === 'cp1/pki/etcd/server.crt')!.message).toContain(
      'issued by etcd-ca but spec.pki.rotation.etcdCA (generation 2, issue) has etcd-ca-2 sign it',
    );
  });

  it('a finished tree fails the issue stage: the old authority is missing from the trust files', () => {
    const findings = errorsOf(trees.get('finish')!, planAt('issue'));
    expect(findings.map((f) => `${f.id} ${f.file}`)).toEqual(
      expect.arrayContaining([
        'rotation.trust-bundle cp1/pki/ca.crt',
        'rotation.trust-bundle w1/pki/ca.crt',
        'rotation.trust-bundle cp1/pki/etcd/ca.crt',
        'rotation.trust-bundle users/alice.conf',
      ]),
    );
  });
});
