import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePorts } from './free-port';
import { ManagedProcess, runCommand, waitFor, type CommandResult } from './managed-process';
import { tlsClientRequest } from './tls-client-request';

/** The files one etcd member reads, as kubeadm's etcd static pod passes them. */
export interface EtcdMemberTls {
  serverCert: string;
  serverKey: string;
  peerCert: string;
  peerKey: string;
  /** --trusted-ca-file: CA for client certificates. */
  trustedCa: string;
  /** --peer-trusted-ca-file: CA for other members' peer certificates. */
  peerTrustedCa: string;
}

/** A member's TLS files as kubeadm's etcd static pod names them; `pki(rel)` is the path of `rel` under its pki/. */
export function kubeadmMemberTls(pki: (rel: string) => string): EtcdMemberTls {
  return {
    serverCert: pki('etcd/server.crt'),
    serverKey: pki('etcd/server.key'),
    peerCert: pki('etcd/peer.crt'),
    peerKey: pki('etcd/peer.key'),
    trustedCa: pki('etcd/ca.crt'),
    peerTrustedCa: pki('etcd/ca.crt'),
  };
}

export interface EtcdMemberSpec {
  name: string;
  tls: EtcdMemberTls;
}

/** Credentials for etcdctl and for health probes: paths to PEM files. */
export interface EtcdClientCredentials {
  cacert: string;
  cert?: string;
  key?: string;
}

export interface EtcdMember {
  name: string;
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
  process: ManagedProcess;
}

export interface EtcdBinaries {
  etcd: string;
  etcdctl: string;
}

/** Go's name for this CPU; etcd 3.4 refuses to start off amd64/ppc64le unless ETCD_UNSUPPORTED_ARCH names it. */
function goArch(): string {
  const map: Record<string, string> = {
    x64: 'amd64',
    arm64: 'arm64',
    ppc64: 'ppc64le',
    s390x: 's390x',
    ia32: '386',
    arm: 'arm',
  };
  return map[process.arch] ?? process.arch;
}

function etcdEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Never let the caller's ETCD_* / ETCDCTL_* variables change what a test runs.
  for (const key of Object.keys(env)) if (key.startsWith('ETCD')) delete env[key];
  const arch = goArch();
  if (arch !== 'amd64' && arch !== 'ppc64le') env.ETCD_UNSUPPORTED_ARCH = arch;
  return env;
}

/**
 * The flags kubeadm's etcd static pod manifest sets (cmd/kubeadm/app/phases/etcd/local.go), with 127.0.0.1 URLs:
 * mutual TLS on both the client and the peer port.
 */
export function etcdMemberArgs(input: {
  name: string;
  dataDir: string;
  clientUrl: string;
  peerUrl: string;
  initialCluster: string;
  initialClusterState: 'new' | 'existing';
  initialClusterToken: string;
  tls: EtcdMemberTls;
}): string[] {
  return [
    `--name=${input.name}`,
    `--data-dir=${input.dataDir}`,
    `--listen-client-urls=${input.clientUrl}`,
    `--advertise-client-urls=${input.clientUrl}`,
    `--listen-peer-urls=${input.peerUrl}`,
    `--initial-advertise-peer-urls=${input.peerUrl}`,
    `--initial-cluster=${input.initialCluster}`,
    `--initial-cluster-state=${input.initialClusterState}`,
    `--initial-cluster-token=${input.initialClusterToken}`,
    `--cert-file=${input.tls.serverCert}`,
    `--key-file=${input.tls.serverKey}`,
    `--trusted-ca-file=${input.tls.trustedCa}`,
    '--client-cert-auth=true',
    `--peer-cert-file=${input.tls.peerCert}`,
    `--peer-key-file=${input.tls.peerKey}`,
    `--peer-trusted-ca-file=${input.tls.peerTrustedCa}`,
    '--peer-client-cert-auth=true',
    '--snapshot-count=10000',
    // Structured logs on stderr: the tests read TLS rejections ("rejected connection") from them.
    '--logger=zap',
    '--log-outputs=stderr',
  ];
}

const readPem = (file: string | undefined) => (file ? fs.readFileSync(file, 'utf8') : undefined);

/**
 * A real etcd cluster on 127.0.0.1 with mutual TLS, one process and one data directory per member, stopped by PID.
 * Ports are chosen free at start; a lost port race is retried with new ports.
 */
export class EtcdCluster {
  readonly members: EtcdMember[] = [];
  private extra: EtcdMember[] = [];

  private constructor(
    readonly binaries: EtcdBinaries,
    readonly workDir: string,
    readonly token: string,
  ) {}

  /**
   * Starts every member with `--initial-cluster-state new` and waits (at most `healthTimeoutMs`) until each one
   * answers /health as healthy to `healthClient`. On failure every started process is stopped before throwing.
   */
  static async start(input: {
    binaries: EtcdBinaries;
    workDir: string;
    members: EtcdMemberSpec[];
    healthClient: EtcdClientCredentials;
    token?: string;
    healthTimeoutMs?: number;
    attempts?: number;
  }): Promise<EtcdCluster> {
    const attempts = input.attempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      const cluster = new EtcdCluster(
        input.binaries,
        input.workDir,
        input.token ?? `kubepki-conformance-${process.pid}-${attempt}`,
      );
      try {
        await cluster.launch(input.members, attempt);
        await cluster.waitHealthy(cluster.members, input.healthClient, input.healthTimeoutMs ?? 30_000);
        return cluster;
      } catch (error) {
        const portRace = cluster.members.some((m) => /address already in use/.test(m.process.log()));
        await cluster.stop();
        if (!portRace || attempt >= attempts) throw error;
      }
    }
  }

  private async launch(specs: EtcdMemberSpec[], attempt: number): Promise<void> {
    const ports = await freePorts(specs.length * 2);
    const planned = specs.map((spec, i) => ({
      spec,
      clientUrl: `https://127.0.0.1:${ports[2 * i]}`,
      peerUrl: `https://127.0.0.1:${ports[2 * i + 1]}`,
      dataDir: path.join(this.workDir, `attempt-${attempt}`, spec.name),
    }));
    const initialCluster = planned.map((p) => `${p.spec.name}=${p.peerUrl}`).join(',');
    for (const p of planned) {
      fs.mkdirSync(p.dataDir, { recursive: true, mode: 0o700 });
      const args = etcdMemberArgs({
        name: p.spec.name,
        dataDir: p.dataDir,
        clientUrl: p.clientUrl,
        peerUrl: p.peerUrl,
        initialCluster,
        initialClusterState: 'new',
        initialClusterToken: this.token,
        tls: p.spec.tls,
      });
      const proc = ManagedProcess.start(`etcd ${p.spec.name}`, this.binaries.etcd, args, { env: etcdEnvironment() });
      this.members.push({
        name: p.spec.name,
        clientUrl: p.clientUrl,
        peerUrl: p.peerUrl,
        dataDir: p.dataDir,
        process: proc,
      });
    }
  }

  /**
   * Starts one more member against this cluster (`--initial-cluster-state existing`), after `member add` registered
   * it. Does not wait for it; it is stopped with the cluster.
   */
  async startExtraMember(input: {
    spec: EtcdMemberSpec;
    peerUrl: string;
    clientUrl: string;
    dataDirName: string;
  }): Promise<EtcdMember> {
    const dataDir = path.join(this.workDir, input.dataDirName);
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const all = [
      ...this.members.map((m) => ({ name: m.name, peerUrl: m.peerUrl })),
      { name: input.spec.name, peerUrl: input.peerUrl },
    ];
    const args = etcdMemberArgs({
      name: input.spec.name,
      dataDir,
      clientUrl: input.clientUrl,
      peerUrl: input.peerUrl,
      initialCluster: all.map((m) => `${m.name}=${m.peerUrl}`).join(','),
      initialClusterState: 'existing',
      initialClusterToken: this.token,
      tls: input.spec.tls,
    });
    const proc = ManagedProcess.start(`etcd ${input.spec.name}`, this.binaries.etcd, args, { env: etcdEnvironment() });
    const member = {
      name: input.spec.name,
      clientUrl: input.clientUrl,
      peerUrl: input.peerUrl,
      dataDir,
      process: proc,
    };
    this.extra.push(member);
    return member;
  }

  /**
   * Stops one member by its PID and starts it again on the same URLs and data directory with `tls` (the files its
   * node holds now), as a static-pod restart does. Does not wait for it to be healthy.
   */
  async restartMember(name: string, tls: EtcdMemberTls): Promise<EtcdMember> {
    const member = this.members.find((m) => m.name === name);
    if (!member) throw new Error(`no etcd member ${name}`);
    await member.process.stop();
    const args = etcdMemberArgs({
      name,
      dataDir: member.dataDir,
      clientUrl: member.clientUrl,
      peerUrl: member.peerUrl,
      initialCluster: this.members.map((m) => `${m.name}=${m.peerUrl}`).join(','),
      initialClusterState: 'existing',
      initialClusterToken: this.token,
      tls,
    });
    member.process = ManagedProcess.start(`etcd ${name}`, this.binaries.etcd, args, { env: etcdEnvironment() });
    return member;
  }

  /** The cluster's client endpoints, comma-separated, for etcdctl --endpoints. */
  endpoints(members: EtcdMember[] = this.members): string {
    return members.map((m) => m.clientUrl).join(',');
  }

  /** GET /health on one member with mutual TLS; true when it reports healthy. Throws on TLS or connection errors. */
  async memberHealthy(member: EtcdMember, client: EtcdClientCredentials): Promise<boolean> {
    const response = await tlsClientRequest(`${member.clientUrl}/health`, {
      ca: readPem(client.cacert)!,
      cert: readPem(client.cert),
      key: readPem(client.key),
      timeoutMs: 2_000,
    });
    if (response.status !== 200) return false;
    return (JSON.parse(response.body) as { health?: string }).health === 'true';
  }

  async waitHealthy(members: EtcdMember[], client: EtcdClientCredentials, timeoutMs: number): Promise<void> {
    await waitFor(
      `etcd members ${members.map((m) => m.name).join(', ')} to report healthy`,
      async () => {
        const exited = members.find((m) => m.process.exitStatus);
        if (exited)
          throw new Error(
            `etcd member ${exited.name} exited (${JSON.stringify(exited.process.exitStatus)}):\n${tail(exited.process.log())}`,
          );
        const health = await Promise.all(members.map((m) => this.memberHealthy(m, client).catch(() => false)));
        return health.every(Boolean) ? true : undefined;
      },
      {
        timeoutMs,
        intervalMs: 250,
        describe: () =>
          members.map((m) => `--- ${m.name} (pid ${m.process.pid}) ---\n${tail(m.process.log())}`).join('\n'),
      },
    );
  }

  /** Runs `etcdctl` (API v3) with the given credentials and bounded dial/command timeouts. */
  etcdctl(
    args: string[],
    credentials: EtcdClientCredentials,
    options: { endpoints?: string; timeoutMs?: number } = {},
  ): Promise<CommandResult> {
    const tlsArgs = [`--cacert=${credentials.cacert}`];
    if (credentials.cert) tlsArgs.push(`--cert=${credentials.cert}`);
    if (credentials.key) tlsArgs.push(`--key=${credentials.key}`);
    const env = etcdEnvironment();
    env.ETCDCTL_API = '3';
    return runCommand(
      this.binaries.etcdctl,
      [
        `--endpoints=${options.endpoints ?? this.endpoints()}`,
        '--dial-timeout=5s',
        '--command-timeout=10s',
        ...tlsArgs,
        ...args,
      ],
      { env, timeoutMs: options.timeoutMs ?? 15_000 },
    );
  }

  /** Every member's log since the marks from `logMarks()` (or whole), joined: for asserting rejections. */
  logsSince(marks?: Map<ManagedProcess, number>, members: EtcdMember[] = this.members): string {
    return members.map((m) => m.process.logSince(marks?.get(m.process) ?? 0)).join('\n');
  }

  logMarks(): Map<ManagedProcess, number> {
    return new Map([...this.members, ...this.extra].map((m) => [m.process, m.process.logMark()]));
  }

  /** Stops every process this cluster started, each by its PID, in parallel; bounded by ManagedProcess.stop. */
  async stop(): Promise<void> {
    await Promise.all([...this.extra, ...this.members].map((m) => m.process.stop()));
  }
}

function tail(text: string, lines = 15): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * One etcd member serving one control-plane node's kubeadm files (`pki(rel)` is that node's `pki/<rel>`), health-checked
 * with its healthcheck-client; `client` is kube-apiserver's apiserver-etcd-client.
 */
export async function startNodeEtcd(
  binaries: EtcdBinaries,
  workDir: string,
  pki: (rel: string) => string,
): Promise<{ cluster: EtcdCluster; client: EtcdClientCredentials }> {
  const cluster = await EtcdCluster.start({
    binaries,
    workDir,
    members: [
      {
        name: 'cp1',
        tls: {
          serverCert: pki('etcd/server.crt'),
          serverKey: pki('etcd/server.key'),
          peerCert: pki('etcd/peer.crt'),
          peerKey: pki('etcd/peer.key'),
          trustedCa: pki('etcd/ca.crt'),
          peerTrustedCa: pki('etcd/ca.crt'),
        },
      },
    ],
    healthClient: {
      cacert: pki('etcd/ca.crt'),
      cert: pki('etcd/healthcheck-client.crt'),
      key: pki('etcd/healthcheck-client.key'),
    },
    healthTimeoutMs: 60_000,
  });
  return {
    cluster,
    client: {
      cacert: pki('etcd/ca.crt'),
      cert: pki('apiserver-etcd-client.crt'),
      key: pki('apiserver-etcd-client.key'),
    },
  };
}
