import { createPublicKey, type KeyObject } from 'node:crypto';
import { KeyPair, ParsedCertificate, ParsedCertificationRequest } from '../crypto';
import { parseKubeconfig, type ParsedKubeconfig } from '../outputs/kubeconfig';
import type { Finding } from './finding';
import type { NodeDirectory, TreeFile } from './read-kubeadm-tree';

/** A kubeconfig with its embedded certificates and key parsed (each absent when missing or unreadable). */
export interface LoadedKubeconfig {
  file: TreeFile;
  kubeconfig: ParsedKubeconfig;
  ca?: ParsedCertificate;
  clientCertificate?: ParsedCertificate;
  clientKey?: KeyPair;
}

/** What a node's role implies: only control-plane nodes may hold CA keys, the sa key and the apiserver's files. */
export type NodeRole = 'control-plane' | 'worker' | 'users';

/** Everything readable in one node directory, parsed once for all checks. Paths are node-relative. */
export interface NodeMaterial {
  directory: NodeDirectory;
  role: NodeRole;
  certificates: Map<string, ParsedCertificate>;
  keys: Map<string, KeyPair>;
  publicKeys: Map<string, KeyObject>;
  kubeconfigs: Map<string, LoadedKubeconfig>;
  /** CSRs beside their keys (`pki/apiserver.csr`, `admin.conf.csr`): kubeadm's external-CA layout (generate-csr). */
  requests: Map<string, ParsedCertificationRequest>;
}

const controlPlaneMarkers = ['pki/apiserver.crt', 'pki/etcd/server.crt', 'controller-manager.conf', 'scheduler.conf'];

/**
 * A node is a control-plane node when it runs a control-plane component (its serving certificate or kubeconfig is
 * there). CA keys do not count: a CA key on a worker is exactly what must be reported, not what makes it a
 * control-plane node.
 */
export function nodeRoleOf(directory: NodeDirectory): NodeRole {
  if (directory.kind === 'users') return 'users';
  return controlPlaneMarkers.some((f) => directory.files.has(f) || directory.unreadable.has(f))
    ? 'control-plane'
    : 'worker';
}

function unreadable(file: TreeFile, what: string, error: unknown): Finding {
  return {
    id: 'file.unreadable',
    file: file.path,
    severity: 'error',
    message: `${file.path} ${(error as Error).message}; the component that reads it as ${what} will not start`,
  };
}

function parseEmbedded<T>(
  text: string | undefined,
  parse: (pem: string) => T,
  onError: (error: unknown) => void,
): T | undefined {
  if (text === undefined) return undefined;
  try {
    return parse(text);
  } catch (error) {
    onError(error);
    return undefined;
  }
}

/** What to parse of a tree: everything (verify), or only the certificates (expiry needs dates alone). */
export interface MaterialOptions {
  /** Parse private and public keys, in files and kubeconfigs; default true. */
  keys?: boolean;
  /**
   * Certificates already parsed in this run, by PEM text: every kubeconfig embeds its CA, so without this one CA is
   * parsed once per kubeconfig. Keyed by the whole text, so different bytes are always parsed on their own.
   */
  parsed?: Map<string, ParsedCertificate>;
}

function parseCertificate(pem: string | Buffer, options: MaterialOptions): ParsedCertificate {
  const text = pem.toString();
  const known = options.parsed?.get(text);
  if (known) return known;
  const certificate = ParsedCertificate.fromPem(text);
  options.parsed?.set(text, certificate);
  return certificate;
}

/** Parses a kubeconfig and what it embeds; problems become findings, never exceptions. */
export function loadKubeconfig(
  file: TreeFile,
  findings: Finding[],
  options: MaterialOptions = {},
): LoadedKubeconfig | undefined {
  let kubeconfig: ParsedKubeconfig;
  try {
    kubeconfig = parseKubeconfig(file.content.toString('utf8'));
  } catch (error) {
    findings.push(unreadable(file, 'a kubeconfig', error));
    return undefined;
  }
  const embedded = (field: string) => (error: unknown) =>
    findings.push({
      id: 'kubeconfig.unreadable',
      file: file.path,
      severity: 'error',
      message: `${file.path}: ${field} ${(error as Error).message}`,
    });
  const certificate = (pem: string) => parseCertificate(pem, options);
  const ca = parseEmbedded(kubeconfig.caCertificatePem, certificate, embedded('certificate-authority-data'));
  const clientCertificate = parseEmbedded(
    kubeconfig.clientCertificatePem,
    certificate,
    embedded('client-certificate-data'),
  );
  const clientKey =
    options.keys === false
      ? undefined
      : parseEmbedded(kubeconfig.clientKeyPem, (pem) => KeyPair.fromPem(pem), embedded('client-key-data'));
  return {
    file,
    kubeconfig,
    ...(ca ? { ca } : {}),
    ...(clientCertificate ? { clientCertificate } : {}),
    ...(clientKey ? { clientKey } : {}),
  };
}

/** Parses every certificate, key, public key and kubeconfig of a node directory. */
export function loadNodeMaterial(
  directory: NodeDirectory,
  findings: Finding[],
  role: NodeRole = nodeRoleOf(directory),
  options: MaterialOptions = {},
): NodeMaterial {
  const material: NodeMaterial = {
    directory,
    role,
    certificates: new Map(),
    keys: new Map(),
    publicKeys: new Map(),
    kubeconfigs: new Map(),
    requests: new Map(),
  };
  const keys = options.keys !== false;
  for (const [rel, file] of directory.files) {
    try {
      if (rel.endsWith('.crt')) material.certificates.set(rel, parseCertificate(file.content, options));
      else if (rel.endsWith('.key')) {
        if (keys) material.keys.set(rel, KeyPair.fromPem(file.content));
      } else if (rel.endsWith('.pub')) {
        if (keys) material.publicKeys.set(rel, createPublicKey(file.content));
      } else if (rel.endsWith('.conf')) {
        const loaded = loadKubeconfig(file, findings, options);
        if (loaded) material.kubeconfigs.set(rel, loaded);
      } else if (rel.endsWith('.csr')) {
        material.requests.set(rel, ParsedCertificationRequest.fromPem(file.content));
      } else if (rel !== 'kubeadm.yaml') {
        // kubeadm.yaml is kubeadm's --config, read by checkKubeletServing.
        findings.push({
          id: 'file.unknown',
          file: file.path,
          severity: 'info',
          message: `${file.path} is not a file kubeadm writes (.crt, .key, .pub, .conf); not checked`,
        });
      }
    } catch (error) {
      if (rel.endsWith('.csr')) {
        // No component reads a CSR: only the outside CA it is sent to would refuse it.
        findings.push({
          id: 'csr.unreadable',
          file: file.path,
          severity: 'warning',
          message: `${file.path} ${(error as Error).message}: an outside CA cannot sign it; re-create it with kubepki csr (or kubeadm certs generate-csr)`,
        });
        continue;
      }
      const what = rel.endsWith('.crt') ? 'a certificate' : rel.endsWith('.pub') ? 'a public key' : 'a private key';
      const message = rel.endsWith('.pub') ? new Error('is not a PEM public key') : error;
      findings.push(unreadable(file, what, message));
    }
  }
  return material;
}
