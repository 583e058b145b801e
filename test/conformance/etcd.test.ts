/**
 * The generated etcd PKI, proven with a real etcd 3.4 cluster (Debian etcd-server) and etcdctl: three members on
 * 127.0.0.1 with the flags kubeadm's etcd static pod sets, mutual TLS on the client and the peer port.
 */
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyAlgorithm } from '../../src/vocabulary';
import { conformanceAlgorithms, pkiPath, sharedConformanceTree, sharedForeignTree } from '../support/conformance-trees';
import { EtcdCluster, type EtcdClientCredentials, type EtcdMemberSpec } from '../support/etcd-cluster';
import { removeTree, temporaryDirectory, type FixtureTree } from '../support/fixture-trees';
import { freePorts } from '../support/free-port';
import { waitFor } from '../support/managed-process';
import { peerBinaryPath } from '../support/peer-binary-path';
import { requireBinary } from '../support/peer-binaries';
import { issueFromCa, writePemFiles } from '../support/test-certificates';

const haveEtcd = [requireBinary('etcd', 'etcd conformance'), requireBinary('etcdctl', 'etcd conformance')].every(
  Boolean,
);
const controlPlane = ['cp1', 'cp2', 'cp3'];

interface MemberListEntry {
  ID: string | number;
  name?: string;
  peerURLs?: string[];
  clientURLs?: string[];
}

/** etcdctl -w json prints 64-bit member ids as JSON numbers; keep them exact as strings. */
function parseMemberList(stdout: string): MemberListEntry[] {
  const exact = stdout.replace(/"ID":(\d+)/g, '"ID":"$1"');
  return (JSON.parse(exact) as { members?: MemberListEntry[] }).members ?? [];
}

/** A member is started once it has published its name and client URLs (before that, `member list` shows neither). */
const isStarted = (m: MemberListEntry) => Boolean(m.name) && (m.clientURLs?.length ?? 0) > 0;

describe.runIf(haveEtcd)('etcd conformance: a real three-member etcd cluster with the generated certificates', () => {
  describe.each(conformanceAlgorithms)('%s', (algorithm: KeyAlgorithm) => {
    let tree: FixtureTree | undefined;
    let foreign: FixtureTree | undefined;
    let work: string | undefined;
    let cluster: EtcdCluster | undefined;

    const etcdCa = () => pkiPath(tree!, 'cp1', 'etcd/ca.crt');
    const client = (node: string, name: string): EtcdClientCredentials => ({
      cacert: etcdCa(),
      cert: pkiPath(tree!, node, `${name}.crt`),
      key: pkiPath(tree!, node, `${name}.key`),
    });
    const memberSpec = (t: FixtureTree, node: string, name = node): EtcdMemberSpec => ({
      name,
      tls: {
        serverCert: pkiPath(t, node, 'etcd/server.crt'),
        serverKey: pkiPath(t, node, 'etcd/server.key'),
        peerCert: pkiPath(t, node, 'etcd/peer.crt'),
        peerKey: pkiPath(t, node, 'etcd/peer.key'),
        trustedCa: pkiPath(t, node, 'etcd/ca.crt'),
        peerTrustedCa: pkiPath(t, node, 'etcd/ca.crt'),
      },
    });

    beforeAll(async () => {
      const binaries = { etcd: peerBinaryPath('etcd'), etcdctl: peerBinaryPath('etcdctl') };
      [tree, foreign] = await Promise.all([sharedConformanceTree(algorithm), sharedForeignTree(algorithm)]);
      work = temporaryDirectory(`kubepki-etcd-${algorithm}-`);
      // Every member reads only its own node's files, as on a real control-plane node.
      cluster = await EtcdCluster.start({
        binaries,
        workDir: work,
        members: controlPlane.map((node) => memberSpec(tree!, node)),
        healthClient: client('cp1', 'etcd/healthcheck-client'),
        healthTimeoutMs: 30_000,
      });
    });

    afterAll(async () => {
      await cluster?.stop();
      removeTree(work);
    });

    it('needs no extra SANs: rule B puts 127.0.0.1 and localhost in every etcd server and peer certificate', () => {
      for (const node of controlPlane) {
        for (const name of ['etcd/server', 'etcd/peer']) {
          const cert = tree!.plan.certificates.find((c) => c.id === `${node}/${name}`)!;
          expect(cert.sans.ipAddresses, `${node}/${name}`).toEqual(expect.arrayContaining(['127.0.0.1', '::1']));
          expect(cert.sans.dnsNames, `${node}/${name}`).toEqual(expect.arrayContaining([node, 'localhost']));
        }
      }
      expect(tree!.spec.spec.etcd).toMatchObject({ local: { serverCertSANs: [], peerCertSANs: [] } });
    });

    it('forms the cluster over peer mutual TLS: three started members, no certificate refused', async () => {
      const list = await cluster!.etcdctl(['member', 'list', '-w', 'json'], client('cp1', 'apiserver-etcd-client'));
      expect(list.code, list.stderr).toBe(0);
      const members = parseMemberList(list.stdout);
      expect(members.map((m) => m.name).sort()).toEqual(controlPlane);
      expect(members.every(isStarted)).toBe(true);
      // (Connections dropped mid-handshake while members start, logged as "EOF" or "connection reset", are not refusals.)
      const refusals = cluster!
        .logsSince()
        .split('\n')
        .filter((line) => /rejected connection/.test(line) && /certificate|x509|tls:/.test(line));
      expect(refusals).toEqual([]);
    });

    it('apiserver-etcd-client of every control-plane node writes a key that every member reads back', async () => {
      for (const node of controlPlane) {
        const credentials = client(node, 'apiserver-etcd-client');
        const key = `/registry/kubepki-conformance/${node}`;
        const put = await cluster!.etcdctl(['put', key, `written-by-${node}`], credentials, {
          endpoints: cluster!.members[0]!.clientUrl,
        });
        expect(put.code, put.stderr).toBe(0);
        expect(put.stdout.trim()).toBe('OK');
        for (const member of cluster!.members) {
          const get = await cluster!.etcdctl(['get', key, '--print-value-only'], credentials, {
            endpoints: member.clientUrl,
          });
          expect(get.code, get.stderr).toBe(0);
          expect(get.stdout.trim(), `${key} on ${member.name}`).toBe(`written-by-${node}`);
        }
      }
    });

    it('etcd/healthcheck-client of every node passes `endpoint health` on every member', async () => {
      for (const node of controlPlane) {
        const health = await cluster!.etcdctl(['endpoint', 'health'], client(node, 'etcd/healthcheck-client'));
        expect(health.code, `${node}: ${health.stderr}`).toBe(0);
        for (const member of cluster!.members) {
          expect(`${health.stdout}${health.stderr}`).toContain(`${member.clientUrl} is healthy`);
        }
      }
    });

    describe('rejects every client the etcd CA did not issue for client authentication', () => {
      /** Runs a `get` that must fail, and returns what member cp1 logged about it. */
      async function rejectedGet(credentials: EtcdClientCredentials): Promise<string> {
        const marks = cluster!.logMarks();
        const get = await cluster!.etcdctl(
          ['get', '/registry/kubepki-conformance/cp1', '--command-timeout=2s'],
          credentials,
          {
            endpoints: cluster!.members[0]!.clientUrl,
          },
        );
        expect(get.code, 'etcdctl must fail').not.toBe(0);
        expect(get.stdout).not.toContain('written-by');
        return cluster!.logsSince(marks, [cluster!.members[0]!]);
      }

      it('a client certificate signed by the cluster CA (apiserver-kubelet-client)', async () => {
        const log = await rejectedGet(client('cp1', 'apiserver-kubelet-client'));
        expect(log).toMatch(/rejected connection.*certificate signed by unknown authority/);
      });

      it('a client certificate from the etcd CA with only serverAuth (the same one with clientAuth is accepted)', async () => {
        const dir = path.join(work!, 'issued');
        const issue = (eku: ('serverAuth' | 'clientAuth')[]) =>
          issueFromCa({
            caCertFile: etcdCa(),
            caKeyFile: pkiPath(tree!, 'cp1', 'etcd/ca.key'),
            algorithm,
            commonName: 'kube-apiserver-etcd-client',
            extendedKeyUsages: eku,
          });
        const serverOnly = writePemFiles(dir, 'server-auth-only', await issue(['serverAuth']));
        const clientAuth = writePemFiles(dir, 'client-auth', await issue(['clientAuth']));

        const log = await rejectedGet({ cacert: etcdCa(), ...serverOnly });
        expect(log).toMatch(/rejected connection.*incompatible key usage/);

        const control = await cluster!.etcdctl(['get', '/registry/kubepki-conformance/cp1', '--print-value-only'], {
          cacert: etcdCa(),
          ...clientAuth,
        });
        expect(control.code, control.stderr).toBe(0);
        expect(control.stdout.trim()).toBe('written-by-cp1');
      });

      it('no client certificate at all', async () => {
        const log = await rejectedGet({ cacert: etcdCa() });
        expect(log).toMatch(/rejected connection.*didn't provide a certificate/);
      });

      it('and etcdctl, trusting the cluster CA instead of the etcd CA, refuses etcd/server.crt', async () => {
        const get = await cluster!.etcdctl(
          ['get', '/registry/kubepki-conformance/cp1', '--command-timeout=2s'],
          { ...client('cp1', 'apiserver-etcd-client'), cacert: pkiPath(tree!, 'cp1', 'ca.crt') },
          { endpoints: cluster!.members[0]!.clientUrl },
        );
        expect(get.code).not.toBe(0);
        expect(get.stdout).not.toContain('written-by');
      });
    });

    it('a fourth member with a peer certificate from a foreign etcd CA cannot join; with one from this etcd CA it can', async () => {
      const admin = client('cp1', 'apiserver-etcd-client');
      const [clientPort, peerPort] = await freePorts(2);
      const peerUrl = `https://127.0.0.1:${peerPort}`;
      const clientUrl = `https://127.0.0.1:${clientPort}`;

      const add = await cluster!.etcdctl(['member', 'add', 'cp4', `--peer-urls=${peerUrl}`], admin);
      expect(add.code, add.stderr).toBe(0);
      expect(add.stdout).toContain('added to cluster');

      // The intruder knows the cluster's etcd CA (it is not secret) but holds certificates of another cluster's CA.
      const intruderSpec = memberSpec(foreign!, 'cp1', 'cp4');
      intruderSpec.tls.trustedCa = etcdCa();
      intruderSpec.tls.peerTrustedCa = etcdCa();
      const marks = cluster!.logMarks();
      const intruder = await cluster!.startExtraMember({
        spec: intruderSpec,
        peerUrl,
        clientUrl,
        dataDirName: 'cp4-foreign',
      });

      // Bounded: etcd gives up once every peer refused it; meanwhile `member list` must never show it started.
      const seen: MemberListEntry[] = [];
      const exit = await waitFor(
        'the foreign member to give up',
        async () => {
          const list = await cluster!.etcdctl(['member', 'list', '-w', 'json'], admin);
          const cp4 =
            list.code === 0 ? parseMemberList(list.stdout).find((m) => m.peerURLs?.includes(peerUrl)) : undefined;
          if (cp4) seen.push(cp4);
          return intruder.process.exitStatus;
        },
        { timeoutMs: 20_000, intervalMs: 500, describe: () => intruder.process.log().slice(-3000) },
      );
      expect(seen.length, 'member list shows the registered member while it tries').toBeGreaterThan(0);
      expect(seen.filter(isStarted), 'the foreign member must never show as started').toEqual([]);
      expect(exit.code).not.toBe(0);
      // Each member answers its handshake with a bad_certificate alert (or, when the intruder was already writing
      // its request, a reset), and it gives up for want of any member that would talk to it.
      expect(intruder.process.log()).toMatch(/remote error: tls: bad certificate|connection reset by peer/);
      expect(intruder.process.log()).toMatch(/could not retrieve cluster information/);
      // And the members say why: its peer certificate does not chain to their --peer-trusted-ca-file.
      expect(cluster!.logsSince(marks)).toMatch(/rejected connection.*certificate signed by unknown authority/);

      // Control: the same member slot, started the same way, with certificates from this cluster's etcd CA, joins.
      const certDir = path.join(work!, 'cp4');
      const issueCp4 = () =>
        issueFromCa({
          caCertFile: etcdCa(),
          caKeyFile: pkiPath(tree!, 'cp1', 'etcd/ca.key'),
          algorithm,
          commonName: 'cp4',
          dnsNames: ['cp4', 'localhost'],
          ipAddresses: ['127.0.0.1', '::1'],
          extendedKeyUsages: ['serverAuth', 'clientAuth'],
        });
      const server = writePemFiles(certDir, 'server', await issueCp4());
      const peer = writePemFiles(certDir, 'peer', await issueCp4());
      const member = await cluster!.startExtraMember({
        spec: {
          name: 'cp4',
          tls: {
            serverCert: server.cert,
            serverKey: server.key,
            peerCert: peer.cert,
            peerKey: peer.key,
            trustedCa: etcdCa(),
            peerTrustedCa: etcdCa(),
          },
        },
        peerUrl,
        clientUrl,
        dataDirName: 'cp4-member',
      });
      await cluster!.waitHealthy([member], client('cp1', 'etcd/healthcheck-client'), 30_000);
      const list = await cluster!.etcdctl(['member', 'list', '-w', 'json'], admin);
      const cp4 = parseMemberList(list.stdout).find((m) => m.peerURLs?.includes(peerUrl));
      expect(cp4).toMatchObject({ name: 'cp4', clientURLs: [clientUrl] });
      const get = await cluster!.etcdctl(['get', '/registry/kubepki-conformance/cp2', '--print-value-only'], admin, {
        endpoints: clientUrl,
      });
      expect(get.stdout.trim()).toBe('written-by-cp2');
      await member.process.stop();
    });
  });
});
