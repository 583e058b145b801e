import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Finding } from './finding';
import { kubeadmKubeconfigs } from './kubeadm-pki-catalog';
import { commitJournalName, isTemporaryFileName } from '../outputs/temporary-files';

/** One file of a verified tree. */
export interface TreeFile {
  /** Relative to the verified directory, `/`-separated: what findings name. */
  path: string;
  absolute: string;
  /** Permission bits (`mode & 0o777`). */
  mode: number;
  /** Owner uid. */
  uid: number;
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
  /** Node-relative path (`pki/ca.crt`, `admin.conf`) → file. Only pki/**, top-level *.conf (with *.conf.csr, *.conf.crt) and kubeadm.yaml are read. */
  files: Map<string, TreeFile>;
  /** Node-relative paths that exist but cannot be read (a dangling symbolic link, no permission): see `problems`. */
  unreadable: Set<string>;
  /** Owner uid of the verified directory: every file should have the same owner. */
  owner: number;
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
  /** One `file.unreadable` error per file that is there but cannot be read; the rest of the tree is still read. */
  problems: Finding[];
}

const posix = (p: string) => p.split(path.sep).join('/');

/** What stops a file from being read and the fix, worded for a finding: a dangling link names its target. */
function unreadableReason(absolute: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const consequence = 'whatever reads it (kubeadm, the component, kubectl) fails the same way';
  if (code === 'ENOENT' && fs.lstatSync(absolute, { throwIfNoEntry: false })?.isSymbolicLink()) {
    return `is a symbolic link to ${fs.readlinkSync(absolute)}, which does not exist: ${consequence}; restore the target or replace the link`;
  }
  if (code === 'EISDIR') return `is a directory, not a file: ${consequence}; replace it with the file`;
  return `cannot be read (${code ?? (error as Error).message}): ${consequence}; fix its permissions or restore it`;
}

/**
 * Reads one file; a file that cannot be read (a dangling symbolic link, no permission) becomes a `file.unreadable`
 * error in `problems` and `undefined`, so one bad link does not hide the rest of the tree.
 */
function readFile(root: string, absolute: string, problems: Finding[]): TreeFile | undefined {
  const rel = posix(path.relative(root, absolute));
  try {
    const stat = fs.statSync(absolute);
    return { path: rel, absolute, mode: stat.mode & 0o777, uid: stat.uid, content: fs.readFileSync(absolute) };
  } catch (error) {
    problems.push({
      id: 'file.unreadable',
      file: rel,
      severity: 'error',
      message: `${rel} ${unreadableReason(absolute, error)}`,
    });
    return undefined;
  }
}

const isDirectoryLink = (full: string) => {
  try {
    return fs.statSync(full, { throwIfNoEntry: false })?.isDirectory() === true;
  } catch {
    return false;
  }
};

/**
 * A file a `kubepki generate` staged and never committed (it was killed, or the disk filled): not part of the tree,
 * but it may hold a private key or a kubeconfig with live credentials.
 */
function stagedFileFinding(root: string, full: string): Finding {
  const rel = posix(path.relative(root, full));
  let secret: boolean;
  try {
    secret = /PRIVATE KEY|client-key-data/.test(fs.readFileSync(full, 'utf8'));
  } catch {
    secret = true; // unreadable to us: assume the worst
  }
  return {
    id: 'file.staged',
    file: rel,
    severity: secret ? 'error' : 'warning',
    message: `${rel} was staged by a kubepki generate that never committed it${secret ? ', and holds a private key or live credentials' : ''}: run kubepki generate on this directory (it removes such files), or delete it`,
  };
}

/** A link to a directory: its files are read through it, but generate refuses to write through it, and the files live elsewhere. */
function directoryLinkFinding(root: string, full: string): Finding {
  const rel = posix(path.relative(root, full));
  return {
    id: 'file.symlink',
    file: rel,
    severity: 'error',
    message: `${rel} is a symbolic link to ${fs.readlinkSync(full)}: the keys it holds live outside this tree, and kubepki generate refuses to write through it; replace the link with the directory`,
  };
}

function listFiles(dir: string, root: string, problems: Finding[]): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = path.join(dir, entry.name);
    if (isTemporaryFileName(entry.name)) {
      problems.push(stagedFileFinding(root, full));
      continue;
    }
    if (entry.isSymbolicLink() && isDirectoryLink(full)) {
      problems.push(directoryLinkFinding(root, full));
      files.push(...listFiles(full, root, problems));
    } else if (entry.isDirectory()) files.push(...listFiles(full, root, problems));
    // Links are listed even when dangling, so that readFile reports them instead of them silently going missing.
    else if (entry.isFile() || (entry.isSymbolicLink() && !isDirectoryLink(full))) files.push(full);
  }
  return files;
}

const kubeconfigNames = new Set(kubeadmKubeconfigs.map((k) => k.file));

/** An /etc/kubernetes has a pki/ directory or one of kubeadm's kubeconfig files. */
export function isNodeDirectory(dir: string): boolean {
  if (fs.statSync(path.join(dir, 'pki'), { throwIfNoEntry: false })?.isDirectory()) return true;
  return [...kubeconfigNames].some((name) => fs.statSync(path.join(dir, name), { throwIfNoEntry: false })?.isFile());
}

function readNodeDirectory(
  root: string,
  dir: string,
  name: string,
  kind: NodeDirectory['kind'],
  problems: Finding[],
  owner: number,
): NodeDirectory {
  const files = new Map<string, TreeFile>();
  const unreadable = new Set<string>();
  const add = (absolute: string) => {
    const file = readFile(root, absolute, problems);
    const rel = posix(path.relative(dir, absolute));
    if (file) files.set(rel, file);
    else unreadable.add(rel);
  };
  if (kind === 'node') {
    const pki = path.join(dir, 'pki');
    if (fs.lstatSync(pki, { throwIfNoEntry: false })?.isSymbolicLink() && isDirectoryLink(pki))
      problems.push(directoryLinkFinding(root, pki));
    for (const f of listFiles(pki, root, problems)) add(f);
  }
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    // Beside a kubeconfig, kubeadm's external-CA exchange: its CSR (certs generate-csr) and the certificate returned.
    const read = /\.conf(\.csr|\.crt)?$/.test(entry.name) || (kind === 'node' && entry.name === 'kubeadm.yaml');
    if (isTemporaryFileName(entry.name)) problems.push(stagedFileFinding(root, path.join(dir, entry.name)));
    else if (read && (entry.isFile() || entry.isSymbolicLink())) add(path.join(dir, entry.name));
  }
  const prefix = posix(path.relative(root, dir));
  return {
    name,
    prefix: prefix === '' ? '' : `${prefix}/`,
    kind,
    files: new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1))),
    unreadable,
    owner,
  };
}

/**
 * Finds what to verify under `root`: if it is an /etc/kubernetes (kubeadm's or one node of kubepki's) it is the one
 * node; otherwise each subdirectory that is one, plus users/ and rbac/. Reads pki/** and *.conf only — manifests/
 * and the rest of /etc/kubernetes are not PKI. Throws only when `root` itself cannot be read; a file that cannot be
 * read is one finding in `problems`.
 */
export function readKubeadmTree(root: string): KubeadmTree {
  const stat = fs.statSync(root, { throwIfNoEntry: false });
  if (!stat?.isDirectory()) throw new Error(`${root} is not a directory`);
  const problems: Finding[] = [];
  const owner = stat.uid;
  if (fs.lstatSync(path.join(root, commitJournalName), { throwIfNoEntry: false })?.isFile()) {
    problems.push({
      id: 'tree.interrupted',
      file: commitJournalName,
      severity: 'error',
      message: `${commitJournalName}: a kubepki generate committed a change and was stopped before applying all of it, so files may be a mix of old and new; run kubepki generate on this directory to complete it`,
    });
  }
  if (isNodeDirectory(root))
    return {
      root,
      layout: 'node',
      nodes: [readNodeDirectory(root, root, '', 'node', problems, owner)],
      rbac: [],
      other: [],
      problems,
    };
  const nodes: NodeDirectory[] = [];
  const rbac: TreeFile[] = [];
  const other: TreeFile[] = [];
  const read = (files: string[]) =>
    files.map((f) => readFile(root, f, problems)).filter((f): f is TreeFile => f !== undefined);
  const entries = fs.readdirSync(root, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const entry of entries) {
    const full = path.join(root, entry.name);
    const linked = entry.isSymbolicLink() && isDirectoryLink(full);
    if (linked) problems.push(directoryLinkFinding(root, full));
    const directory = entry.isDirectory() || linked;
    if (entry.name === commitJournalName) continue;
    else if (isTemporaryFileName(entry.name)) problems.push(stagedFileFinding(root, full));
    else if (directory && entry.name === 'rbac') rbac.push(...read(listFiles(full, root, problems)));
    else if (directory && entry.name === 'users')
      nodes.push(readNodeDirectory(root, full, 'users', 'users', problems, owner));
    else if (directory && isNodeDirectory(full))
      nodes.push(readNodeDirectory(root, full, entry.name, 'node', problems, owner));
    else if (directory) other.push(...read(listFiles(full, root, problems)));
    else if (entry.isFile()) other.push(...read([full]));
  }
  return { root, layout: 'tree', nodes, rbac, other, problems };
}
