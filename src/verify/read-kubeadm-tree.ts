import * as fs from 'node:fs';
import * as path from 'node:path';
import { kubeadmKubeconfigs } from './kubeadm-pki-catalog';

/** One file of a verified tree. */
export interface TreeFile {
  /** Relative to the verified directory, `/`-separated: what findings name. */
  path: string;
  absolute: string;
  /** Permission bits (`mode & 0o777`). */
  mode: number;
  content: Buffer;
}

/**
 * One /etc/kubernetes: the verified directory itself (`prefix` ''), a node directory of `kubepki generate --out`
 * (`prefix` 'cp1/'), or `users/` (kubeconfigs only).
 */
export interface NodeDirectory {
  /** The node's name as the directory says it; '' when the verified directory is itself an /etc/kubernetes. */
  name: string;
  /** What to put in front of a node-relative path to get a finding's path. */
  prefix: string;
  kind: 'node' | 'users';
  /** Node-relative path (`pki/ca.crt`, `admin.conf`) → file. Only pki/** and top-level *.conf are read. */
  files: Map<string, TreeFile>;
}

/** A directory as verify sees it: one node, or the node directories, users/ and rbac/ that `generate` writes. */
export interface KubeadmTree {
  root: string;
  layout: 'node' | 'tree';
  nodes: NodeDirectory[];
  /** rbac/*.yaml of a generated tree. */
  rbac: TreeFile[];
  /** Any other top-level file of a generated tree (reported as drift when a plan is given). */
  other: TreeFile[];
}

const posix = (p: string) => p.split(path.sep).join('/');

function readFile(root: string, absolute: string): TreeFile {
  const stat = fs.statSync(absolute);
  return { path: posix(path.relative(root, absolute)), absolute, mode: stat.mode & 0o777, content: fs.readFileSync(absolute) };
}

function listFiles(dir: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = path.join(dir, entry.name);
    // Temporary files of an interrupted atomic write are not part of the tree.
    if (entry.name.startsWith('.') && entry.name.endsWith('.tmp')) continue;
    if (entry.isDirectory()) files.push(...listFiles(full));
    else if (entry.isFile() || (entry.isSymbolicLink() && fs.statSync(full, { throwIfNoEntry: false })?.isFile())) files.push(full);
  }
  return files;
}

const kubeconfigNames = new Set(kubeadmKubeconfigs.map((k) => k.file));

/** An /etc/kubernetes has a pki/ directory or one of kubeadm's kubeconfig files. */
export function isNodeDirectory(dir: string): boolean {
  if (fs.statSync(path.join(dir, 'pki'), { throwIfNoEntry: false })?.isDirectory()) return true;
  return [...kubeconfigNames].some((name) => fs.statSync(path.join(dir, name), { throwIfNoEntry: false })?.isFile());
}

function readNodeDirectory(root: string, dir: string, name: string, kind: NodeDirectory['kind']): NodeDirectory {
  const files = new Map<string, TreeFile>();
  const add = (absolute: string) => {
    const file = readFile(root, absolute);
    files.set(posix(path.relative(dir, absolute)), file);
  };
  if (kind === 'node') for (const f of listFiles(path.join(dir, 'pki'))) add(f);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.endsWith('.conf') && (entry.isFile() || entry.isSymbolicLink())) add(path.join(dir, entry.name));
  }
  const prefix = posix(path.relative(root, dir));
  return { name, prefix: prefix === '' ? '' : `${prefix}/`, kind, files: new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1))) };
}

/**
 * Finds what to verify under `root`: if it is an /etc/kubernetes (kubeadm's or one node of kubepki's) it is the one
 * node; otherwise each subdirectory that is one, plus users/ and rbac/. Reads pki/** and *.conf only — manifests/
 * and the rest of /etc/kubernetes are not PKI.
 */
export function readKubeadmTree(root: string): KubeadmTree {
  const stat = fs.statSync(root, { throwIfNoEntry: false });
  if (!stat?.isDirectory()) throw new Error(`${root} is not a directory`);
  if (isNodeDirectory(root)) return { root, layout: 'node', nodes: [readNodeDirectory(root, root, '', 'node')], rbac: [], other: [] };
  const nodes: NodeDirectory[] = [];
  const rbac: TreeFile[] = [];
  const other: TreeFile[] = [];
  const entries = fs.readdirSync(root, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const entry of entries) {
    const full = path.join(root, entry.name);
    if (entry.isDirectory() && entry.name === 'rbac') rbac.push(...listFiles(full).map((f) => readFile(root, f)));
    else if (entry.isDirectory() && entry.name === 'users') nodes.push(readNodeDirectory(root, full, 'users', 'users'));
    else if (entry.isDirectory() && isNodeDirectory(full)) nodes.push(readNodeDirectory(root, full, entry.name, 'node'));
    else if (entry.isDirectory()) other.push(...listFiles(full).map((f) => readFile(root, f)));
    else if (entry.isFile()) other.push(readFile(root, full));
  }
  return { root, layout: 'tree', nodes, rbac, other };
}
