import * as fs from 'node:fs';
import { UsageError } from './cli-io';

/** Where kubeadm keeps a node's PKI and kubeconfigs: what `verify` and `expiry` read when given no directory. */
export const defaultKubernetesDirectory = '/etc/kubernetes';

/** The directory a verb examines: the one named, or /etc/kubernetes as kubeadm's commands default to. */
export function directoryArgument(positionals: string[]): string {
  if (positionals.length > 1)
    throw new UsageError(
      `expected one directory, got ${positionals.length}: ${positionals.map((p) => JSON.stringify(p)).join(' ')}`,
    );
  const dir = positionals[0] ?? defaultKubernetesDirectory;
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    const why = positionals[0] === undefined ? ' (the default when no directory is named)' : '';
    throw new UsageError(
      `${JSON.stringify(dir)}${why} is not a directory: name an /etc/kubernetes or a \`kubepki generate --out\` directory`,
    );
  }
  return dir;
}
