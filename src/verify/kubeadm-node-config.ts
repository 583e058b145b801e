/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return --
   kubeadm.yaml is read loosely, as kubeadm's own documents: every value is checked for its type where it is used. */
import * as yaml from 'js-yaml';
import type { Finding } from './finding';
import type { TreeFile } from './read-kubeadm-tree';

/** What verify reads from a node's kubeadm.yaml: the settings the PKI must agree with. Never the token itself. */
export interface KubeadmNodeConfig {
  file: TreeFile;
  /** The kubelet's address (`--node-ip`, else the advertise address): kube-apiserver dials the kubelet there. */
  nodeIp?: string;
  /** KubeletConfiguration tlsCertFile / tlsPrivateKeyFile (absolute paths on the node). */
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  /** kube-apiserver's --kubelet-certificate-authority from the ClusterConfiguration. */
  kubeletCertificateAuthority?: string;
  /** discovery.bootstrapToken.caCertHashes of a JoinConfiguration. */
  caCertHashes: string[];
  /** Paths named by ClusterConfiguration / JoinConfiguration that must exist on the node (certificatesDir files). */
  caCertPath?: string;
}

type Doc = Record<string, any>;

const argValue = (args: unknown, name: string): string | undefined =>
  Array.isArray(args) ? (args.find((a: Doc) => a?.name === name) as Doc | undefined)?.value : undefined;

/** Parses kubeadm.yaml's documents; a file that is not YAML becomes a finding (without quoting it: it holds a token). */
export function readKubeadmNodeConfig(file: TreeFile, findings: Finding[]): KubeadmNodeConfig | undefined {
  let documents: Doc[];
  try {
    documents = yaml
      .loadAll(file.content.toString('utf8'))
      .filter((d): d is Doc => d !== null && typeof d === 'object');
  } catch {
    findings.push({
      id: 'kubeadm.unreadable',
      file: file.path,
      severity: 'error',
      message: `${file.path} is not YAML: kubeadm init/join --config cannot read it; run kubepki generate to rewrite it`,
    });
    return undefined;
  }
  const kind = (k: string) => documents.find((d) => d.kind === k);
  const init = kind('InitConfiguration');
  const join = kind('JoinConfiguration');
  const cluster = kind('ClusterConfiguration');
  const kubelet = kind('KubeletConfiguration');
  const registration = (init ?? join)?.nodeRegistration;
  const nodeIp =
    argValue(registration?.kubeletExtraArgs, 'node-ip') ??
    init?.localAPIEndpoint?.advertiseAddress ??
    join?.controlPlane?.localAPIEndpoint?.advertiseAddress;
  const authority = argValue(cluster?.apiServer?.extraArgs, 'kubelet-certificate-authority');
  const hashes = join?.discovery?.bootstrapToken?.caCertHashes;
  return {
    file,
    ...(typeof nodeIp === 'string' ? { nodeIp } : {}),
    ...(typeof kubelet?.tlsCertFile === 'string' ? { tlsCertFile: kubelet.tlsCertFile } : {}),
    ...(typeof kubelet?.tlsPrivateKeyFile === 'string' ? { tlsPrivateKeyFile: kubelet.tlsPrivateKeyFile } : {}),
    ...(typeof authority === 'string' ? { kubeletCertificateAuthority: authority } : {}),
    caCertHashes: Array.isArray(hashes) ? hashes.filter((h): h is string => typeof h === 'string') : [],
    ...(typeof join?.caCertPath === 'string' ? { caCertPath: join.caCertPath } : {}),
  };
}
