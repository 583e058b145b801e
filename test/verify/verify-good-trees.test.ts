/**
 * Trees kubepki generates are clean: no error, no warning, no note — with and without the plan, for the whole tree and
 * for each node directory on its own (an /etc/kubernetes as it would be copied to the node).
 */
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyPki } from '../../src/verify';
import type { FixtureTree } from '../support/fixture-trees';
import { sharedTree } from '../support/shared-trees';
import { describeFindings } from './verify-test-trees';

const cases = [
  { stack: 'lab', algorithm: 'ECDSA-P256' },
  { stack: 'ha', algorithm: 'ECDSA-P256' },
  { stack: 'lab', algorithm: 'RSA-2048' },
] as const;

describe.each(cases)('$stack tree, $algorithm', ({ stack, algorithm }) => {
  let tree: FixtureTree;
  beforeAll(async () => {
    tree = await sharedTree(stack, algorithm);
  });

  it('has no findings at all without a spec', () => {
    const findings = verifyPki(tree.dir);
    expect(findings, describeFindings(findings)).toEqual([]);
  });

  it('has no findings against its own plan: no drift, every expectation holds', () => {
    const findings = verifyPki(tree.dir, { plan: tree.plan });
    expect(findings, describeFindings(findings)).toEqual([]);
  });

  it('has no findings in any node directory verified on its own, with or without the plan', () => {
    for (const node of tree.plan.nodes) {
      const dir = path.join(tree.dir, node.name);
      for (const findings of [verifyPki(dir), verifyPki(dir, { plan: tree.plan })]) {
        expect(findings, `${node.name}:\n${describeFindings(findings)}`).toEqual([]);
      }
    }
  });

  it('warns (not errs) about every certificate once the clock is inside the expiry window, and errs once past it', () => {
    const inWindow = new Date(Date.now() + 350 * 24 * 3600_000);
    const soon = verifyPki(tree.dir, { now: inWindow });
    const leaves = tree.plan.certificates.filter((c) => !c.isCa).length;
    expect(
      soon.filter((f) => f.severity === 'error'),
      describeFindings(soon),
    ).toEqual([]);
    // Every leaf file (pki/*.crt and kubeconfigs) is named; CAs (10 years) are not.
    expect(new Set(soon.filter((f) => f.id === 'expiry.soon').map((f) => f.file)).size).toBe(leaves);
    expect(verifyPki(tree.dir, { now: inWindow, expiryWindowDays: 10 })).toEqual([]);

    const past = verifyPki(tree.dir, { now: new Date(Date.now() + 400 * 24 * 3600_000) });
    expect(past.filter((f) => f.id === 'expiry.expired').every((f) => f.severity === 'error')).toBe(true);
    expect(new Set(past.filter((f) => f.id === 'expiry.expired').map((f) => f.file)).size).toBe(leaves);
  });
});
