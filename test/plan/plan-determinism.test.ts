import { describe, expect, it } from 'vitest';
import { loadSpecFile } from '../../src/spec';
import { planPki } from '../../src/plan';
import { stackFile } from '../support/fixture-trees';
import { sortedCopy } from './plan-test-specs';

describe.each(['lab', 'ha'])('planPki(%s)', (stack) => {
  it('is deterministic: the same spec twice gives deep-equal plans with identical JSON', () => {
    const a = planPki(loadSpecFile(stackFile(stack)));
    const b = planPki(loadSpecFile(stackFile(stack)));
    expect(b).toEqual(a);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    const spec = loadSpecFile(stackFile(stack));
    expect(JSON.stringify(planPki(spec))).toBe(JSON.stringify(planPki(spec)));
  });

  it('does not modify the spec it plans', () => {
    const spec = loadSpecFile(stackFile(stack));
    const before = JSON.stringify(spec);
    planPki(spec);
    expect(JSON.stringify(spec)).toBe(before);
  });

  it('sorts certificates and kubeconfigs by id and files by path, each unique', () => {
    const plan = planPki(loadSpecFile(stackFile(stack)));
    const certificateIds = plan.certificates.map((c) => c.id);
    const kubeconfigIds = plan.kubeconfigs.map((k) => k.id);
    const paths = plan.files.map((f) => f.path);
    expect(certificateIds).toEqual(sortedCopy(certificateIds));
    expect(kubeconfigIds).toEqual(sortedCopy(kubeconfigIds));
    expect(paths).toEqual(sortedCopy(paths));
    expect(new Set(certificateIds).size).toBe(certificateIds.length);
    expect(new Set(paths).size).toBe(paths.length);
  });

  it('is secret-free, so it can be snapshotted and committed', async () => {
    const json = `${JSON.stringify(planPki(loadSpecFile(stackFile(stack))), null, 2)}\n`;
    expect(json).not.toMatch(/BEGIN|PRIVATE|-----/);
    await expect(json).toMatchFileSnapshot(`./__snapshots__/${stack}.plan.json`);
  });
});

it('every certificate, file and kubeconfig of the plan refers to something the plan holds', () => {
  const plan = planPki(loadSpecFile(stackFile('ha')));
  const certificateIds = new Set(plan.certificates.map((c) => c.id));
  const kubeconfigIds = new Set(plan.kubeconfigs.map((k) => k.id));
  const manifestPaths = new Set(plan.rbac.map((r) => r.path));
  for (const c of plan.certificates) expect(certificateIds.has(c.issuer), `${c.id} issuer ${c.issuer}`).toBe(true);
  for (const k of plan.kubeconfigs) expect(certificateIds.has(k.certificate), `${k.id} certificate`).toBe(true);
  for (const f of plan.files) {
    const { kind, of } = f.content;
    const known =
      kind === 'kubeconfig'
        ? kubeconfigIds.has(of)
        : kind === 'manifest'
          ? manifestPaths.has(of) && of === f.path
          : kind === 'kubeadm-config'
            ? plan.kubeadm!.nodes.some((n) => n.node === of && n.path === f.path)
            : kind === 'bootstrap-token'
              ? f.path === 'bootstrap-token'
              : of === 'sa' || certificateIds.has(of);
    expect(known, `${f.path} → ${kind} ${of}`).toBe(true);
  }
});
