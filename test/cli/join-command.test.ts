/**
 * `kubepki join-command <dir> --node <name>`: the exact `kubeadm join` line of a node — endpoint, token, CA pin,
 * --control-plane where it applies, no --certificate-key — with the token hidden unless --print-token; the line's
 * token expression, run by a shell, yields the tree's token.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planPki } from '../../src/plan';
import { publicKeyPin } from '../../src/crypto';
import { realizeLocal } from '../../src/realize/local';
import { verifyPki } from '../../src/verify';
import type { RotationPhase } from '../../src/spec';
import { kubeadmConfigProblems } from '../support/kubeadm-api-schema';
import { kubepki } from './review-cli';
import { removeTree, stackSpec, temporaryDirectory } from '../support/fixture-trees';

/** The built bin, as users run it. */
async function run(args: string[]) {
  const result = await kubepki(args);
  return { code: result.status, stdout: result.stdout.trimEnd(), stderr: result.stderr };
}

describe('kubepki join-command', () => {
  let dir: string;
  let token: string;
  let pin: string;
  beforeAll(async () => {
    dir = temporaryDirectory('kubepki-join-');
    await realizeLocal(planPki(stackSpec('ha', 'ECDSA-P256')), dir);
    token = fs.readFileSync(path.join(dir, 'bootstrap-token'), 'utf8').trim();
    pin = publicKeyPin(fs.readFileSync(path.join(dir, 'cp1', 'pki', 'ca.crt'), 'utf8'));
  }, 60_000);
  afterAll(() => removeTree(dir));

  it("prints a worker's line without the token, and the token expression yields it", async () => {
    const result = await run(['join-command', dir, '--node', 'w2']);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain(token.split('.')[1]!);
    const tokenFile = path.join(dir, 'bootstrap-token');
    expect(result.stdout).toBe(
      `kubeadm join ha-api.example.internal:6443 --token "$(cat ${tokenFile})" --discovery-token-ca-cert-hash ${pin} --node-name w2 --ignore-preflight-errors=FileAvailable--etc-kubernetes-kubelet.conf,FileAvailable--etc-kubernetes-pki-ca.crt`,
    );
    expect(result.stderr).toContain('--print-token');
    // What a shell makes of the line's token argument.
    expect(execFileSync('sh', ['-c', `printf %s "$(cat ${tokenFile})"`], { encoding: 'utf8' })).toBe(token);
  });

  it("prints the token with --print-token, and --control-plane with the node's own apiserver for another control-plane node", async () => {
    const result = await run(['join-command', dir, '--node', 'cp2', '--print-token']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `kubeadm join ha-api.example.internal:6443 --token ${token} --discovery-token-ca-cert-hash ${pin} --node-name cp2 --control-plane --apiserver-advertise-address 10.0.1.12 --apiserver-bind-port 6443 --ignore-preflight-errors=FileAvailable--etc-kubernetes-kubelet.conf`,
    );
    expect(result.stdout).not.toContain('certificate-key');
  });

  it('refuses the init node, an unknown node and a missing --node with exit 2', async () => {
    const init = await run(['join-command', dir, '--node', 'cp1']);
    expect(init.code).toBe(2);
    expect(init.stderr).toContain('kubeadm init --config /etc/kubernetes/kubeadm.yaml');
    expect((await run(['join-command', dir, '--node', 'w9'])).code).toBe(2);
    expect((await run(['join-command', dir])).stderr).toContain('--node is required');
  });

  it('fails (exit 1) when the pin in kubeadm.yaml is not the CA of the tree, printing no token', async () => {
    const copy = temporaryDirectory('kubepki-join-copy-');
    try {
      fs.cpSync(dir, copy, { recursive: true });
      const file = path.join(copy, 'w1', 'kubeadm.yaml');
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(pin, `sha256:${'0'.repeat(64)}`));
      const result = await run(['join-command', copy, '--node', 'w1', '--print-token']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('does not pin every CA');
      expect(result.stdout + result.stderr).not.toContain(token);
    } finally {
      removeTree(copy);
    }
  });
});

describe('kubepki join-command during a cluster-CA rotation', () => {
  let dir: string;
  let oldPin: string;
  const stage = (phase: RotationPhase) =>
    planPki(stackSpec('ha', 'ECDSA-P256', (s) => void (s.spec.pki.rotation = { clusterCA: { generation: 2, phase } })));
  const pinsIn = (node: string, root = dir) =>
    (yaml.loadAll(fs.readFileSync(path.join(root, node, 'kubeadm.yaml'), 'utf8')) as any[]).find(
      (d) => d.kind === 'JoinConfiguration',
    ).discovery.bootstrapToken.caCertHashes;
  const flagsOf = (line: string) => [...line.matchAll(/--discovery-token-ca-cert-hash (\S+)/g)].map((m) => m[1]);
  /** kubeadm's pubkeypin.Set.CheckAny: cluster-info's CA data is trusted when any of its certificates matches any pin. */
  const discoveryAccepts = (pins: string[], clusterInfoCa: string) => pins.includes(publicKeyPin(clusterInfoCa));
  beforeAll(async () => {
    dir = temporaryDirectory('kubepki-join-rotation-');
    await realizeLocal(planPki(stackSpec('ha', 'ECDSA-P256')), dir);
    oldPin = publicKeyPin(fs.readFileSync(path.join(dir, 'cp1', 'pki', 'ca.crt'), 'utf8'));
  }, 60_000);
  afterAll(() => removeTree(dir));

  it('pins both generations, signer first, from trust to issue, and only the new one after finish; joins work with either CA', async () => {
    const oldCa = fs.readFileSync(path.join(dir, 'cp1', 'pki', 'ca.crt'), 'utf8');
    let newPin = '';
    let newCa = '';
    for (const phase of ['trust', 'issue', 'finish'] as const) {
      const plan = stage(phase);
      await realizeLocal(plan, dir);
      if (phase === 'trust') {
        newCa = fs.readFileSync(path.join(dir, 'cp1', 'pki', 'ca-2.crt'), 'utf8');
        newPin = publicKeyPin(newCa);
        expect(newPin).not.toBe(oldPin);
      }
      const expected = { trust: [oldPin, newPin], issue: [newPin, oldPin], finish: [newPin] }[phase];
      for (const node of ['cp2', 'cp3', 'w1', 'w2']) {
        expect(pinsIn(node), `${phase} ${node}`).toEqual(expected);
        const documents = yaml.loadAll(fs.readFileSync(path.join(dir, node, 'kubeadm.yaml'), 'utf8'));
        expect(kubeadmConfigProblems(documents), `${phase} ${node}`).toEqual([]);
      }
      const line = await run(['join-command', dir, '--node', 'w1']);
      expect(line.code, line.stderr).toBe(0);
      expect(flagsOf(line.stdout)).toEqual(expected);
      // During the overlap a node may fetch cluster-info from a control-plane node that still publishes either CA.
      expect(discoveryAccepts(expected, oldCa)).toBe(phase !== 'finish');
      expect(discoveryAccepts(expected, newCa)).toBe(true);
      const errors = verifyPki(dir, { plan }).filter((f) => f.severity === 'error');
      expect(errors, `${phase}: ${errors.map((f) => f.message).join('\n')}`).toEqual([]);
    }
  }, 120_000);

  it('fails when kubeadm.yaml pins only one generation of a two-CA ca.crt', async () => {
    const copy = temporaryDirectory('kubepki-join-rotation-copy-');
    try {
      fs.cpSync(dir, copy, { recursive: true });
      await realizeLocal(
        planPki(
          stackSpec(
            'ha',
            'ECDSA-P256',
            (s) => void (s.spec.pki.rotation = { clusterCA: { generation: 3, phase: 'trust' } }),
          ),
        ),
        copy,
      );
      const file = path.join(copy, 'w1', 'kubeadm.yaml');
      const [signerPin, otherPin] = pinsIn('w1', copy) as string[];
      expect(otherPin).toBeDefined();
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(new RegExp(`\\s*- ${otherPin}`), ''));
      const result = await run(['join-command', copy, '--node', 'w1']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('does not pin every CA');
      expect(pinsIn('w1', copy)).toEqual([signerPin]);
    } finally {
      removeTree(copy);
    }
  }, 60_000);
});
