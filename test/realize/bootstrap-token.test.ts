/**
 * The bootstrap token is a secret of the tree, like a key: generated once, kept on every later run, replaced only
 * when the caller supplies another, refused (without being quoted) when malformed — and the kubeadm configurations
 * always carry the token of the tree.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { planPki, type PkiPlan } from '../../src/plan';
import { RealizeError, realizeLocal } from '../../src/realize/local';
import { removeTree, stackSpec, temporaryDirectory } from '../support/fixture-trees';

type Doc = Record<string, any>;

const tokenOf = (dir: string) => fs.readFileSync(path.join(dir, 'bootstrap-token'), 'utf8').trim();
const configTokens = (dir: string, plan: PkiPlan) =>
  plan.kubeadm!.nodes.map((n) => {
    const [doc] = yaml.loadAll(fs.readFileSync(path.join(dir, n.path), 'utf8')) as Doc[];
    return doc!.bootstrapTokens?.[0]?.token ?? doc!.discovery.bootstrapToken.token;
  });
const snapshot = (dir: string) =>
  Object.fromEntries(
    fs
      .readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => {
        const file = path.join(e.parentPath, e.name);
        return [path.relative(dir, file), fs.readFileSync(file, 'utf8')];
      }),
  );

describe('bootstrap token', () => {
  let dir: string;
  let plan: PkiPlan;
  beforeEach(() => {
    dir = temporaryDirectory('kubepki-token-');
    plan = planPki(stackSpec('lab', 'ECDSA-P256'));
  });
  afterEach(() => removeTree(dir));

  it('is generated once in kubeadm token format, written 0600, and carried by every kubeadm.yaml', async () => {
    const report = await realizeLocal(plan, dir);
    expect(report.changes.find((c) => c.path === 'bootstrap-token')).toEqual({
      path: 'bootstrap-token',
      action: 'created',
    });
    const token = tokenOf(dir);
    expect(token).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    expect(fs.statSync(path.join(dir, 'bootstrap-token')).mode & 0o777).toBe(0o600);
    expect(configTokens(dir, plan)).toEqual(plan.kubeadm!.nodes.map(() => token));
    // Two trees do not share a token.
    const other = temporaryDirectory('kubepki-token-other-');
    try {
      await realizeLocal(plan, other);
      expect(tokenOf(other)).not.toBe(token);
    } finally {
      removeTree(other);
    }
  });

  it('is kept on a re-run: nothing changes', async () => {
    await realizeLocal(plan, dir);
    const before = snapshot(dir);
    const report = await realizeLocal(plan, dir);
    expect(report.changes.filter((c) => c.action !== 'kept')).toEqual([]);
    expect(snapshot(dir)).toEqual(before);
  });

  it('a supplied token (or one the user put in bootstrap-token) replaces it in every file, without quoting it in the report', async () => {
    await realizeLocal(plan, dir);
    const supplied = 'abcdef.0123456789abcdef';
    const report = await realizeLocal(plan, dir, { bootstrapToken: supplied });
    expect(tokenOf(dir)).toBe(supplied);
    expect(configTokens(dir, plan)).toEqual(plan.kubeadm!.nodes.map(() => supplied));
    expect(
      report.changes
        .filter((c) => c.action !== 'kept')
        .map((c) => c.path)
        .sort(),
    ).toEqual(['bootstrap-token', 'cp1/kubeadm.yaml', 'w1/kubeadm.yaml']);
    expect(JSON.stringify(report)).not.toContain('0123456789abcdef');

    fs.writeFileSync(path.join(dir, 'bootstrap-token'), 'xyz123.abcdefghij012345\n');
    await realizeLocal(plan, dir);
    expect(configTokens(dir, plan)).toEqual(plan.kubeadm!.nodes.map(() => 'xyz123.abcdefghij012345'));
  });

  it('refuses a malformed token, in the file or supplied, naming the fix and never the value; nothing is written', async () => {
    await realizeLocal(plan, dir);
    const before = snapshot(dir);
    const badSupplied = realizeLocal(plan, dir, { bootstrapToken: 'NOT-A-TOKEN-secretvalue' });
    await expect(badSupplied).rejects.toThrow(RealizeError);
    await expect(realizeLocal(plan, dir, { bootstrapToken: 'NOT-A-TOKEN-secretvalue' })).rejects.not.toThrow(
      /secretvalue/,
    );
    expect(snapshot(dir)).toEqual(before);

    fs.writeFileSync(path.join(dir, 'bootstrap-token'), 'Secret-Value-Typo\n');
    const error = await realizeLocal(plan, dir).catch((e: RealizeError) => e);
    expect(error).toBeInstanceOf(RealizeError);
    expect((error as RealizeError).problems).toEqual([
      expect.objectContaining({
        path: 'bootstrap-token',
        code: 'corrupt',
        message: expect.stringContaining('kubeadm token generate'),
      }),
    ]);
    expect((error as RealizeError).message).not.toContain('Secret-Value-Typo');
  });
});
