import * as pulumi from '@pulumi/pulumi';

/**
 * One file of the tree as a Pulumi resource, in place of @pulumi/local (see the README): terraform-provider-local
 * replaces a file on any change, and Pulumi's create-before-delete replacement then deletes the path it has just
 * written. A PkiFile is updated in place instead — a renewed certificate or a new SAN rewrites the same file — and
 * only a new path replaces it. Writes are atomic with the mode set before the rename; the content is a secret input
 * and the state keeps only its SHA-256, so no key or kubeconfig is stored in the stack; deleting the last file of a
 * directory removes the directories it leaves empty, up to the output directory.
 */
export interface PkiFileInputs {
  /** The output directory; directories below it are created with their planned modes and pruned when empty. */
  root: pulumi.Input<string>;
  /** Relative to root: `cp1/pki/apiserver.crt`. */
  path: pulumi.Input<string>;
  content: pulumi.Input<string>;
  /** 0o600 for keys and kubeconfigs, 0o644 otherwise. */
  mode: pulumi.Input<number>;
  /** Mode of each directory below root that holds the file, by relative path (`cp1`: 0o755, `cp1/pki`: 0o700). */
  directoryModes: pulumi.Input<Record<string, number>>;
  /**
   * An authority's file (CA key or certificate, sa key): never overwrite a different file already on disk when the
   * resource is created — it belongs to an existing PKI, not to this stack.
   */
  keepExisting: pulumi.Input<boolean>;
  /** Why no file may be written (the tree is another PKI's); empty when the file may be written. */
  refusal: pulumi.Input<string>;
}

interface ProviderInputs {
  root: string;
  path: string;
  content: string;
  mode: number;
  directoryModes: Record<string, number>;
  keepExisting: boolean;
  refusal: string;
}

/** The state: where the file is and what it holds, as a digest. */
interface ProviderOutputs {
  root: string;
  path: string;
  mode: number;
  directoryModes: Record<string, number>;
  keepExisting: boolean;
  contentSha256: string;
}

// Pulumi's dynamic-provider host receives this object through the closure serializer: it captures no module, only
// what it requires inside each method.
const provider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: ProviderInputs) {
    if (inputs.refusal) throw new Error(inputs.refusal);
    const fs = require('node:fs') as typeof import('node:fs');
    const nodePath = require('node:path') as typeof import('node:path');
    const crypto = require('node:crypto') as typeof import('node:crypto');
    const file = nodePath.join(inputs.root, inputs.path);
    const digest = crypto.createHash('sha256').update(inputs.content).digest('hex');
    if (inputs.keepExisting && fs.existsSync(file)) {
      const existing = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
      if (existing !== digest) {
        throw new Error(
          `${file} already exists and holds another authority than this stack's: kubepki never overwrites a CA key or certificate or the sa key. ` +
            'Point kubepki:outDir at a new directory, or move the existing tree away to start a new PKI',
        );
      }
    }
    writeTree(inputs);
    return { id: inputs.path, outs: outputsOf(inputs, digest) };
  },

  async diff(_id: string, olds: ProviderOutputs, news: ProviderInputs) {
    if (news.refusal) throw new Error(news.refusal);
    const fs = require('node:fs') as typeof import('node:fs');
    const nodePath = require('node:path') as typeof import('node:path');
    const crypto = require('node:crypto') as typeof import('node:crypto');
    const replaces = olds.root !== news.root || olds.path !== news.path ? ['path'] : [];
    const digest = crypto.createHash('sha256').update(news.content).digest('hex');
    const file = nodePath.join(olds.root, olds.path);
    // The file is what the stack says, on disk too: one removed or altered by hand is written again.
    const onDisk = fs.existsSync(file)
      ? {
          digest: crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex'),
          mode: fs.statSync(file).mode & 0o777,
        }
      : undefined;
    const changes =
      replaces.length > 0 ||
      olds.contentSha256 !== digest ||
      olds.mode !== news.mode ||
      olds.keepExisting !== news.keepExisting ||
      JSON.stringify(olds.directoryModes) !== JSON.stringify(news.directoryModes) ||
      onDisk?.digest !== digest ||
      onDisk?.mode !== news.mode;
    return { changes, replaces, deleteBeforeReplace: false };
  },

  async update(_id: string, _olds: ProviderOutputs, news: ProviderInputs) {
    if (news.refusal) throw new Error(news.refusal);
    const crypto = require('node:crypto') as typeof import('node:crypto');
    writeTree(news);
    return { outs: outputsOf(news, crypto.createHash('sha256').update(news.content).digest('hex')) };
  },

  async delete(_id: string, olds: ProviderOutputs) {
    const fs = require('node:fs') as typeof import('node:fs');
    const nodePath = require('node:path') as typeof import('node:path');
    fs.rmSync(nodePath.join(olds.root, olds.path), { force: true });
    // Leave no empty node or users/ directory behind; the output directory itself stays.
    let dir = nodePath.dirname(olds.path);
    while (dir !== '.' && dir !== '') {
      const absolute = nodePath.join(olds.root, dir);
      if (!fs.existsSync(absolute) || fs.readdirSync(absolute).length > 0) break;
      fs.rmdirSync(absolute);
      dir = nodePath.dirname(dir);
    }
  },
};

/** Creates the directories with their modes, then writes the file atomically with its mode. */
function writeTree(inputs: ProviderInputs): void {
  const fs = require('node:fs') as typeof import('node:fs');
  const nodePath = require('node:path') as typeof import('node:path');
  const crypto = require('node:crypto') as typeof import('node:crypto');
  const parts = inputs.path.split('/').slice(0, -1);
  fs.mkdirSync(inputs.root, { recursive: true, mode: 0o755 });
  for (let i = 1; i <= parts.length; i++) {
    const rel = parts.slice(0, i).join('/');
    const mode = inputs.directoryModes[rel] ?? 0o755;
    const dir = nodePath.join(inputs.root, rel);
    if (!fs.existsSync(dir)) fs.mkdirSync(dir, { mode });
    fs.chmodSync(dir, mode);
  }
  const file = nodePath.join(inputs.root, inputs.path);
  const temporary = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  const fd = fs.openSync(temporary, 'wx', inputs.mode);
  try {
    fs.fchmodSync(fd, inputs.mode);
    fs.writeFileSync(fd, inputs.content);
    fs.fdatasyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temporary, file);
}

function outputsOf(inputs: ProviderInputs, contentSha256: string): ProviderOutputs {
  return {
    root: inputs.root,
    path: inputs.path,
    mode: inputs.mode,
    directoryModes: inputs.directoryModes,
    keepExisting: inputs.keepExisting,
    contentSha256,
  };
}

export class PkiFile extends pulumi.dynamic.Resource {
  declare readonly path: pulumi.Output<string>;
  declare readonly contentSha256: pulumi.Output<string>;

  constructor(name: string, args: PkiFileInputs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      { ...args, content: pulumi.secret(args.content), contentSha256: undefined },
      opts,
      'kubepki',
      'PkiFile',
    );
  }
}
