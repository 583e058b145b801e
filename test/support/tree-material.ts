/**
 * Reads what a realized tree holds, by the reference's names: certificate/key PEM of an expected certificate (from a
 * `.crt`/`.key` pair or from inside a kubeconfig), CA certificates, and a listing of every file and directory.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readSingleIdentityKubeconfig } from './kubeconfig-file';
import { referenceCas, type ExpectedCertificate, type ReferenceCaName } from './reference-table';

export interface CertificateMaterial {
  certPem: string;
  /** Absent when the reference puts no key next to it (a worker's ca.crt). */
  keyPem?: string;
}

/** The certificate and key PEM of an expected certificate, from its files or its kubeconfig. */
export function certificateMaterial(dir: string, expected: ExpectedCertificate): CertificateMaterial {
  if (expected.storage === 'kubeconfig') {
    const kubeconfig = readSingleIdentityKubeconfig(fs.readFileSync(path.join(dir, expected.certPath), 'utf8'));
    return { certPem: kubeconfig.clientCertificatePem, keyPem: kubeconfig.clientKeyPem };
  }
  return {
    certPem: fs.readFileSync(path.join(dir, expected.certPath), 'utf8'),
    ...(expected.keyPath ? { keyPem: fs.readFileSync(path.join(dir, expected.keyPath), 'utf8') } : {}),
  };
}

/** A TLS identity ({cert, key}) of an expected certificate. */
export function tlsIdentityOf(dir: string, expected: ExpectedCertificate): { cert: string; key: string } {
  const material = certificateMaterial(dir, expected);
  if (!material.keyPem) throw new Error(`${expected.id} has no key`);
  return { cert: material.certPem, key: material.keyPem };
}

/** PEM of a CA certificate as a control-plane node holds it (default: the first one, `cp1`). */
export function caPem(dir: string, ca: ReferenceCaName, node = 'cp1'): string {
  return fs.readFileSync(path.join(dir, node, referenceCas[ca].file), 'utf8');
}

export interface TreeEntry {
  /** Relative to the tree root, `/`-separated. */
  path: string;
  type: 'file' | 'directory' | 'other';
  /** Permission bits (`mode & 0o777`). */
  mode: number;
}

/** Every file and directory under `dir` (not `dir` itself), sorted by path; symlinks are reported as `other`. */
export function listTree(dir: string): TreeEntry[] {
  const entries: TreeEntry[] = [];
  const walk = (rel: string) => {
    for (const name of fs.readdirSync(path.join(dir, rel))) {
      const child = rel ? `${rel}/${name}` : name;
      const stat = fs.lstatSync(path.join(dir, child));
      const type = stat.isDirectory() ? 'directory' : stat.isFile() ? 'file' : 'other';
      entries.push({ path: child, type, mode: stat.mode & 0o777 });
      if (type === 'directory') walk(child);
    }
  };
  walk('');
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
