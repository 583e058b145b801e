import * as fs from 'node:fs';
import * as path from 'node:path';
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import * as yaml from 'js-yaml';
import type { RealizeReport } from '../../src/realize/local';

/** One entry of a directory tree as stat and read see it: enough to tell any write, rename or chmod. */
export interface TreeEntry {
  kind: 'file' | 'directory';
  mode: number;
  mtimeNs: bigint;
  content?: Buffer;
}

/** Every file and directory under `dir` (relative paths, '/'-separated), hidden and temporary files included. */
export function readTreeState(dir: string): Map<string, TreeEntry> {
  const state = new Map<string, TreeEntry>();
  const walk = (rel: string) => {
    for (const name of fs.readdirSync(path.join(dir, rel)).sort()) {
      const child = rel ? `${rel}/${name}` : name;
      const full = path.join(dir, child);
      const stat = fs.lstatSync(full, { bigint: true });
      if (stat.isSymbolicLink()) {
        state.set(child, {
          kind: 'file',
          mode: Number(stat.mode & 0o777n),
          mtimeNs: stat.mtimeNs,
          content: Buffer.from(`-> ${fs.readlinkSync(full)}`),
        });
      } else if (stat.isDirectory()) {
        state.set(child, { kind: 'directory', mode: Number(stat.mode & 0o777n), mtimeNs: stat.mtimeNs });
        walk(child);
      } else {
        state.set(child, {
          kind: 'file',
          mode: Number(stat.mode & 0o777n),
          mtimeNs: stat.mtimeNs,
          content: fs.readFileSync(full),
        });
      }
    }
  };
  walk('');
  return state;
}

/** Paths that appeared, disappeared, or changed content, mode or mtime between two states. */
export function changedPaths(
  before: Map<string, TreeEntry>,
  after: Map<string, TreeEntry>,
  what: 'files' | 'everything' = 'everything',
): string[] {
  const changed: string[] = [];
  for (const p of new Set([...before.keys(), ...after.keys()])) {
    const a = before.get(p);
    const b = after.get(p);
    if (what === 'files' && (a ?? b)!.kind === 'directory') continue;
    if (
      !a ||
      !b ||
      a.kind !== b.kind ||
      a.mode !== b.mode ||
      a.mtimeNs !== b.mtimeNs ||
      (a.content && b.content && !a.content.equals(b.content))
    )
      changed.push(p);
  }
  return changed.sort();
}

/**
 * Sets every file's and directory's mtime to a fixed day in 2001, so a rewrite of identical bytes still shows (the
 * rewritten file gets the current time), whatever the file system's timestamp resolution.
 */
export function ageTree(dir: string): void {
  const past = new Date('2001-02-03T04:05:06Z');
  const entries = [...readTreeState(dir).keys()].reverse(); // children before their directory
  for (const rel of entries) fs.utimesSync(path.join(dir, rel), past, past);
  fs.utimesSync(dir, past, past);
}

/** The files of a report that are not `kept`, as `action path`. */
export function nonKept(report: RealizeReport): string[] {
  return report.changes.filter((c) => c.action !== 'kept').map((c) => `${c.action} ${c.path}`);
}

export function readCertificate(dir: string, rel: string): X509Certificate {
  return new X509Certificate(fs.readFileSync(path.join(dir, rel)));
}

export function readPrivateKey(dir: string, rel: string): KeyObject {
  return createPrivateKey(fs.readFileSync(path.join(dir, rel)));
}

/** What a kubeconfig file embeds, read with js-yaml (not with kubepki's own parser). */
export interface KubeconfigContents {
  server: string;
  caPem: string;
  certificate: X509Certificate;
  certificatePem: string;
  keyPem: string;
}

export function readKubeconfig(dir: string, rel: string): KubeconfigContents {
  return parseKubeconfigText(fs.readFileSync(path.join(dir, rel), 'utf8'));
}

export function parseKubeconfigText(text: string | Buffer): KubeconfigContents {
  const doc = yaml.load(text.toString()) as {
    clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
    users: { user: { 'client-certificate-data': string; 'client-key-data': string } }[];
  };
  const decode = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');
  const certificatePem = decode(doc.users[0]!.user['client-certificate-data']);
  return {
    server: doc.clusters[0]!.cluster.server,
    caPem: decode(doc.clusters[0]!.cluster['certificate-authority-data']),
    certificate: new X509Certificate(certificatePem),
    certificatePem,
    keyPem: decode(doc.users[0]!.user['client-key-data']),
  };
}

/** The certificate a planned file holds, whether a .crt or the client certificate of a kubeconfig. */
export function certificateAt(dir: string, rel: string): X509Certificate {
  return rel.endsWith('.conf') ? readKubeconfig(dir, rel).certificate : readCertificate(dir, rel);
}

/** Subject Organization values of a certificate (Node prints them one per line). */
export function organizationsOf(cert: X509Certificate): string[] {
  return cert.subject
    .split('\n')
    .filter((l) => l.startsWith('O='))
    .map((l) => l.slice(2));
}

/** Lifetime NotBefore → NotAfter in hours. */
export function lifetimeHours(cert: X509Certificate): number {
  return (new Date(cert.validTo).getTime() - new Date(cert.validFrom).getTime()) / 3600_000;
}

/** Writes a file in place, keeping the mode it had. */
export function overwrite(dir: string, rel: string, content: string | Buffer): void {
  fs.writeFileSync(path.join(dir, rel), content);
}
