/**
 * A rotation of every authority at once (cluster, etcd and front-proxy CAs, the sa key), proven stage by stage with
 * real peers: the installed kubectl against the kube-apiserver stand-in serving the stage's apiserver.crt with the
 * stage's --client-ca-file bundle and sa.pub; a real TLS handshake (Node's OpenSSL) for every edge of the trust graph
 * within a stage and across neighbouring stages (the mixed pairs of a rolling restart); service-account tokens of both
 * keys against a verifier holding every key of sa.pub, as kube-apiserver does.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyPair, mintServiceAccountToken, verifyServiceAccountToken } from '../../src/crypto';
import { planPki, type PkiPlan } from '../../src/plan';
import { realizeLocal } from '../../src/realize/local';
import { trustGraph, type TrustEdge } from '../../src/review';
import type { RotationPhase } from '../../src/spec';
import { ApiserverStandIn } from '../support/apiserver-stand-in';
import { removeTree, stackSpec, temporaryDirectory } from '../support/fixture-trees';
import { copyKubeconfig } from '../support/kubeconfig-copy';
import { runCommand } from '../support/managed-process';
import { peerBinaryPath } from '../support/peer-binary-path';
import { requireBinary } from '../support/peer-binaries';
import { throwawayServingIdentity, tlsHandshake, type TlsIdentity } from '../support/tls-handshake';

const haveKubectl = requireBinary('kubectl', 'cluster CA rotation conformance');
type Stage = 'before' | RotationPhase;
const stages: Stage[] = ['before', 'trust', 'issue', 'finish'];

const planAt = (stage: Stage): PkiPlan =>
  planPki(
    stackSpec('lab', 'ECDSA-P256', (s) => {
      s.spec.apiServer.certSANs.push('127.0.0.1');
      if (stage !== 'before') {
        const at = { generation: 2, phase: stage };
        s.spec.pki.rotation = { clusterCA: at, etcdCA: at, frontProxyCA: at, serviceAccountKey: at };
      }
    }),
  );

const decoded = (kubeconfig: string, field: string) =>
  Buffer.from(new RegExp(`${field}: (\\S+)`).exec(kubeconfig)![1]!, 'base64').toString('utf8');

describe.runIf(haveKubectl)('rotating every authority of a cluster, stage by stage, with real peers', () => {
  /** A snapshot of the generated tree after each stage, as the files a node holds at that stage. */
  const trees = new Map<Stage, string>();
  const plans = new Map<Stage, PkiPlan>();
  let work: string;
  let kubectl: string;
  const read = (stage: Stage, rel: string) => fs.readFileSync(path.join(trees.get(stage)!, rel), 'utf8');

  beforeAll(async () => {
    kubectl = peerBinaryPath('kubectl');
    work = temporaryDirectory('kubepki-rotation-kubectl-');
    const dir = temporaryDirectory('kubepki-rotation-tree-');
    for (const stage of stages) {
      const plan = planAt(stage);
      await realizeLocal(plan, dir);
      const copy = temporaryDirectory(`kubepki-rotation-${stage}-`);
      fs.cpSync(dir, copy, { recursive: true });
      trees.set(stage, copy);
      plans.set(stage, plan);
    }
    removeTree(dir);
  }, 60_000);

  afterAll(() => {
    trees.forEach((dir) => removeTree(dir));
    removeTree(work);
  });

  /** The stand-in as kube-apiserver on cp1 is configured at `stage`: its serving pair, ca.crt bundle, sa.pub. */
  const standInAt = (stage: Stage) =>
    ApiserverStandIn.start({
      servingCertificate: read(stage, 'cp1/pki/apiserver.crt'),
      servingKey: read(stage, 'cp1/pki/apiserver.key'),
      clientCa: read(stage, 'cp1/pki/ca.crt'),
      requestHeaderClientCa: read(stage, 'cp1/pki/front-proxy-ca.crt'),
      serviceAccountPublicKey: read(stage, 'cp1/pki/sa.pub'),
      serviceAccountIssuer: plans.get(stage)!.cluster.serviceAccountIssuer,
    });

  let copies = 0;
  async function whoami(kubeconfig: string, server: string): Promise<{ ok: boolean; output: string }> {
    const file = path.join(work, `kubeconfig-${++copies}.conf`);
    fs.writeFileSync(file, copyKubeconfig(kubeconfig, { server }), { mode: 0o600 });
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: work, KUBECACHEDIR: path.join(work, 'cache') };
    for (const key of ['KUBECONFIG', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']) delete env[key];
    const result = await runCommand(
      kubectl,
      ['--kubeconfig', file, '--request-timeout=10s', 'auth', 'whoami', '-o', 'json'],
      { env, timeoutMs: 20_000 },
    );
    return { ok: result.code === 0, output: `${result.stdout}${result.stderr}` };
  }

  it('kubectl: a kubeconfig of the old CA works until finish, one of the new CA from issue on; the server is verified in every stage', async () => {
    // users/alice.conf as handed out after each stage: before (old cert, old CA only), trust (old cert, both CAs),
    // issue (new cert, both), finish (new cert, new CA only).
    const alice = new Map(stages.map((s) => [s, read(s, 'users/alice.conf')]));
    expect(decoded(alice.get('trust')!, 'certificate-authority-data').match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    const results: Record<string, Record<string, boolean>> = {};
    for (const server of ['trust', 'issue', 'finish'] as Stage[]) {
      const standIn = await standInAt(server);
      try {
        results[server] = {};
        for (const handedOut of stages) {
          const { ok, output } = await whoami(alice.get(handedOut)!, standIn.url);
          results[server]![handedOut] = ok;
          if (ok) expect(JSON.parse(output.slice(output.indexOf('{'))).status.userInfo.username).toBe('alice');
          // Why a failure fails: the client refuses an unknown server CA, or the server refuses the client certificate.
          if (!ok && handedOut === 'before' && server !== 'trust')
            expect(output).toMatch(/certificate signed by unknown authority|x509/);
          if (!ok && handedOut === 'trust' && server === 'finish')
            expect(output).toMatch(/Unauthorized|must be logged in/);
        }
      } finally {
        await standIn.stop();
      }
    }
    expect(results).toEqual({
      // The day-one kubeconfig still works while the old CA signs the server; the trust stage hands out the bundle.
      trust: { before: true, trust: true, issue: true, finish: false },
      issue: { before: false, trust: true, issue: true, finish: true },
      finish: { before: false, trust: false, issue: true, finish: true },
    });
  }, 120_000);

  it('sa key: old-key tokens verify through issue and fail after finish; new-key tokens verify from trust on', async () => {
    const issuer = plans.get('before')!.cluster.serviceAccountIssuer;
    const mint = (keyPem: string) =>
      mintServiceAccountToken(KeyPair.fromPem(keyPem), {
        namespace: 'ci',
        name: 'deployer',
        uid: 'u-1',
        audiences: [issuer],
        issuer,
        expiresInSeconds: 600,
        now: new Date(),
      });
    const oldToken = await mint(read('before', 'cp1/pki/sa.key'));
    const newToken = await mint(read('trust', 'cp1/pki/sa-2.key'));
    expect(read('issue', 'cp1/pki/sa.key')).toBe(read('trust', 'cp1/pki/sa-2.key'));
    const expected: Record<string, [boolean, boolean]> = {
      trust: [true, true],
      issue: [true, true],
      finish: [false, true],
    };
    for (const stage of ['trust', 'issue', 'finish'] as Stage[]) {
      // kubepki token verify's verifier, and the stand-in (jose with every key of sa.pub, selected by kid) via kubectl.
      const ours = await Promise.all(
        [oldToken, newToken].map((t) =>
          verifyServiceAccountToken(t, read(stage, 'cp1/pki/sa.pub'), { issuer, audiences: [issuer] }),
        ),
      );
      expect(
        ours.map((r) => r.authenticated),
        stage,
      ).toEqual(expected[stage]);
      const standIn = await standInAt(stage);
      try {
        const viaKubectl = [];
        for (const token of [oldToken, newToken]) {
          const kubeconfig = copyKubeconfig(read(stage, 'users/alice.conf'), {});
          const withToken = kubeconfig.replace(
            /client-certificate-data: \S+\n\s+client-key-data: \S+/,
            `token: ${token}`,
          );
          expect(withToken).toContain('token: ');
          viaKubectl.push((await whoami(withToken, standIn.url)).ok);
        }
        expect(viaKubectl, stage).toEqual(expected[stage]);
      } finally {
        await standIn.stop();
      }
    }
  }, 120_000);

  /** The certificate and key of a plan id as the tree at `stage` holds it (a pki file, or embedded in a kubeconfig). */
  function identityAt(stage: Stage, id: string): TlsIdentity {
    const plan = plans.get(stage)!;
    const certificate = plan.files.find(
      (f) =>
        f.content.kind === 'certificate' &&
        f.content.of === id &&
        !f.content.bundle &&
        !f.path.endsWith('ca-signer.crt'),
    );
    if (certificate)
      return { cert: read(stage, certificate.path), key: read(stage, certificate.path.replace(/\.crt$/, '.key')) };
    const kubeconfig = plan.files.find((f) => f.content.kind === 'kubeconfig' && f.content.of === id)!;
    const text = read(stage, kubeconfig.path);
    return { cert: decoded(text, 'client-certificate-data'), key: decoded(text, 'client-key-data') };
  }

  /** What one side of an edge trusts at `stage`: the node's CA file, or the kubeconfig's certificate-authority-data. */
  function trustAt(stage: Stage, edge: TrustEdge, side: 'server' | 'client'): string {
    const via = side === 'server' ? edge.serverTrustsVia : edge.clientTrustsVia!;
    if (via.includes('certificate-authority-data')) {
      const kubeconfig = plans
        .get(stage)!
        .files.find((f) => f.content.kind === 'kubeconfig' && f.content.of === edge.clientCertificate)!;
      return decoded(read(stage, kubeconfig.path), 'certificate-authority-data');
    }
    const node = (side === 'server' ? edge.server.node : edge.client.node) ?? 'cp1';
    const trusts = side === 'server' ? edge.serverTrusts : edge.clientTrusts!;
    const file = trusts.startsWith('etcd-ca')
      ? 'etcd/ca.crt'
      : trusts.startsWith('front-proxy-ca')
        ? 'front-proxy-ca.crt'
        : 'ca.crt';
    return read(stage, `${node === 'users' ? 'cp1' : node}/pki/${file}`);
  }

  it('every trust-graph edge handshakes within each stage and across neighbouring stages (old client → new server and back)', async () => {
    const pairs: [Stage, Stage][] = [];
    for (let i = 0; i < stages.length; i++) {
      pairs.push([stages[i]!, stages[i]!]);
      if (i > 0) pairs.push([stages[i - 1]!, stages[i]!], [stages[i]!, stages[i - 1]!]);
    }
    let handshakes = 0;
    const failures: string[] = [];
    for (const [clientStage, serverStage] of pairs) {
      for (const edge of trustGraph(plans.get(serverStage)!).edges) {
        const throwaway = edge.serverCertificate
          ? undefined
          : await throwawayServingIdentity({ commonName: edge.server.component, dnsNames: ['localhost'] });
        const server = throwaway ?? identityAt(serverStage, edge.serverCertificate!);
        const result = await tlsHandshake(
          { identity: { cert: server.cert, key: server.key }, clientCa: trustAt(serverStage, edge, 'server') },
          {
            ca: throwaway ? throwaway.ca : trustAt(clientStage, edge, 'client'),
            identity: identityAt(clientStage, edge.clientCertificate),
            expectServerName: throwaway ? 'localhost' : (edge.serverName ?? 'localhost'),
          },
        );
        handshakes++;
        if (!result.ok)
          failures.push(
            `${clientStage} client → ${serverStage} server: ${edge.client.component} → ${edge.server.component} (${edge.clientCertificate}): ${result.serverError ?? result.clientError}`,
          );
      }
    }
    console.log(
      `[rotation handshakes] ${handshakes} real TLS handshakes over ${pairs.length} stage pairs, ${failures.length} failed`,
    );
    expect(failures).toEqual([]);
    // Two stages apart is not a rolling restart: a day-one client refuses an issue-stage server, as it must.
    const apiserverEdge = trustGraph(plans.get('issue')!).edges.find(
      (e) => e.server.component === 'kube-apiserver' && e.clientCertificate === 'users/alice.conf',
    )!;
    const skipped = await tlsHandshake(
      {
        identity: identityAt('issue', apiserverEdge.serverCertificate!),
        clientCa: trustAt('issue', apiserverEdge, 'server'),
      },
      {
        ca: trustAt('before', apiserverEdge, 'client'),
        identity: identityAt('before', 'users/alice.conf'),
        expectServerName: apiserverEdge.serverName!,
      },
    );
    expect(skipped.ok).toBe(false);
    // OpenSSL sends the serving chain it can build, the new CA included: the old-only client finds no anchor for it.
    expect(skipped.clientError).toMatch(
      /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT|SELF_SIGNED_CERT_IN_CHAIN/,
    );
  }, 180_000);
});
