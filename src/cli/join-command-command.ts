/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access --
   kubeadm.yaml is read loosely, as kubeadm's own documents: every value is checked for its type where it is used. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { bootstrapTokenPattern, publicKeyPins } from '../crypto';
import { renderJoinCommand } from '../outputs/join-command';
import { exitCodes, UsageError, type CliIo } from './cli-io';
import { parseVerbArgs } from './parse-verb-args';
import { verbNamed } from './verbs';

type Doc = Record<string, any>;

function readText(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(
      `${file} cannot be read (${what}): run kubepki generate first, or name the directory it wrote`,
    );
  }
}

/**
 * `kubepki join-command <dir> --node <name>`: the `kubeadm join` line of a node of a generated tree, from its
 * kubeadm.yaml, with the CA pins recomputed from the node's pki/ca.crt. The token is printed only with --print-token;
 * otherwise the line reads it from the tree's bootstrap-token file.
 */
export async function joinCommandCommand(args: string[], io: CliIo): Promise<number> {
  const { values: raw, positionals } = parseVerbArgs(verbNamed('join-command')!, args);
  const values = { node: raw.node as string | undefined, 'print-token': raw['print-token'] === true };
  if (positionals.length !== 1) throw new UsageError('expected exactly one directory (the --out of kubepki generate)');
  if (!values.node) throw new UsageError('--node is required: the node that joins (a directory of the tree)');
  const dir = path.resolve(positionals[0]!);
  const nodeDir = path.join(dir, values.node);
  if (!fs.existsSync(nodeDir))
    throw new UsageError(`--node ${JSON.stringify(values.node)}: ${nodeDir} does not exist; name a node of the spec`);
  const configFile = path.join(nodeDir, 'kubeadm.yaml');
  let documents: Doc[];
  try {
    documents = (
      yaml.loadAll(readText(configFile, "the node's kubeadm configuration; Kubernetes before 1.31 gets none")) as Doc[]
    ).filter((d) => d && typeof d === 'object');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new Error(`${configFile} is not YAML: run kubepki generate to rewrite it`, { cause: error });
  }
  if (documents.some((d) => d.kind === 'InitConfiguration')) {
    throw new UsageError(
      `${values.node} is the first control-plane node: it runs \`kubeadm init --config /etc/kubernetes/kubeadm.yaml\`, not join`,
    );
  }
  const join = documents.find((d) => d.kind === 'JoinConfiguration');
  const discovery = join?.discovery?.bootstrapToken;
  if (!join || typeof discovery?.apiServerEndpoint !== 'string')
    throw new Error(
      `${configFile} holds no JoinConfiguration with discovery.bootstrapToken: run kubepki generate to rewrite it`,
    );

  const caFile = path.join(nodeDir, 'pki', 'ca.crt');
  // Every CA of the bundle (both generations during a cluster-CA rotation): kubeadm trusts the cluster if any matches.
  const caCertHashes = publicKeyPins(readText(caFile, 'the cluster CA the join pins'));
  const pinned: unknown[] = Array.isArray(discovery.caCertHashes) ? discovery.caCertHashes : [];
  if (caCertHashes.length === 0 || caCertHashes.some((pin) => !pinned.includes(pin))) {
    io.stderr(
      `kubepki join-command: ${configFile} does not pin every CA of ${caFile}: run kubepki generate, then copy the node directory again`,
    );
    return exitCodes.failed;
  }
  const tokenFile = path.join(dir, 'bootstrap-token');
  const token = readText(tokenFile, 'the bootstrap token').trim();
  if (!bootstrapTokenPattern.test(token))
    throw new Error(
      `${tokenFile} is not a bootstrap token ([a-z0-9]{6}.[a-z0-9]{16}): delete it and run kubepki generate`,
    );
  if (discovery.token !== token) {
    io.stderr(
      `kubepki join-command: ${configFile} carries another token than ${tokenFile}: run kubepki generate, then copy the node directory again`,
    );
    return exitCodes.failed;
  }
  const endpoint = join.controlPlane?.localAPIEndpoint;
  const line = renderJoinCommand({
    endpoint: discovery.apiServerEndpoint,
    token: values['print-token'] ? token : `"$(cat ${tokenFile})"`,
    caCertHashes,
    node: values.node,
    ...(join.controlPlane
      ? {
          controlPlane: {
            advertiseAddress: String(endpoint?.advertiseAddress),
            bindPort: Number(endpoint?.bindPort ?? 6443),
          },
        }
      : {}),
    ignorePreflightErrors: Array.isArray(join.nodeRegistration?.ignorePreflightErrors)
      ? join.nodeRegistration.ignorePreflightErrors
      : [],
  });
  io.stdout(line);
  if (!values['print-token'])
    io.stderr(`(the token is read from ${tokenFile} where this runs; --print-token prints it instead)`);
  return exitCodes.ok;
}
