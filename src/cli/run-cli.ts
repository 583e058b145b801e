import { exitCodes, processIo, UsageError, type CliIo } from './cli-io';
import { redactKeyMaterial } from '../spec/safe-text';

type Command = (args: string[], io: CliIo) => Promise<number>;

// Commands load their modules on first use: `generate` should not pay for the RBAC evaluator's bootstrap policy or
// jose, nor `can-i` for cdk8s. Start-up time is part of every call users make.
const commands: Record<string, { load: () => Command; usage: string; summary: string }> = {
  generate: {
    load: () => require('./generate-command').generateCommand,
    usage: 'kubepki generate <spec> --out <dir> [--dry-run] [--prune] [--wait <seconds>] [--quiet]',
    summary: 'write the PKI tree, kubeconfigs and RBAC for a spec (offline)',
  },
  rbac: { load: () => require('./rbac-command').rbacCommand, usage: 'kubepki rbac <spec>', summary: 'print the RBAC manifests a spec implies (cdk8s-synthesized YAML)' },
  token: {
    load: () => require('./token-command').tokenCommand,
    usage: [
      'kubepki token --pki <node dir> --service-account <ns>/<name> (--spec <spec> | --allow-undeclared) [--uid UID] [--audience A]... [--duration 1h]',
      '              [--issuer URL | --dns-domain cluster.local] [--kubeconfig FILE [--server URL]]',
      'kubepki token verify <jwt> --pki <node dir> [--audience A]... [--issuer URL | --dns-domain D]',
    ].join('\n       '),
    summary: 'mint a service-account token with sa.key, or `token verify` one against sa.pub',
  },
  'can-i': {
    load: () => require('./can-i-command').canICommand,
    usage: 'kubepki can-i <spec> --as <user:NAME|group:NAME|serviceAccount:NS/NAME> <verb> <resource|/url> [-n <namespace>]',
    summary: 'offline `kubectl auth can-i`: yes/no and the binding that decided',
  },
  access: {
    load: () => require('./access-command').accessCommand,
    usage: 'kubepki access <spec> [--format md|json]',
    summary: 'access matrix of every identity, cluster-admin equivalents, expectations',
  },
  plan: {
    load: () => require('./plan-command').planCommand,
    usage: 'kubepki plan <spec> [--format yaml|json|md]',
    summary: 'secret-free, stable inventory of the plan, to commit beside the spec',
  },
  diff: {
    load: () => require('./diff-command').diffCommand,
    usage: ['kubepki diff <base spec> <head spec> [--format md|json] [--exit-code]', 'kubepki diff --git <rev> <spec> [--format md|json] [--exit-code]'].join('\n       '),
    summary: 'semantic PKI diff for pull requests: changes, impact, access; --exit-code 0/1/3',
  },
  graph: {
    load: () => require('./graph-command').graphCommand,
    usage: 'kubepki graph <spec> [--format mermaid|md|dot]',
    summary: 'who trusts whom: client → server edges with certificates and CAs',
  },
  verify: {
    load: () => require('./verify-command').verifyCommand,
    usage: 'kubepki verify <dir> [--spec <spec>] [--format text|json] [--expiry-window <days>]',
    summary: 'check any kubeadm /etc/kubernetes (or a generated tree): findings, exit 1 on errors',
  },
  expiry: {
    load: () => require('./expiry-command').expiryCommand,
    usage: 'kubepki expiry <dir> [-o|--format text|json]',
    summary: 'kubeadm certs check-expiration, from the files alone',
  },
  schema: { load: () => require('./schema-command').schemaCommand, usage: 'kubepki schema', summary: 'print the JSON Schema of cluster specs' },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return ['usage: kubepki <command> [args]', '', ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)].join('\n');
}

/** Runs one CLI invocation and returns its exit code; errors become messages, never stack traces. */
export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  const [verb, ...rest] = argv;
  if (!verb) {
    io.stderr(usage());
    return exitCodes.badInput;
  }
  if (verb === '--help' || verb === '-h' || verb === 'help') {
    io.stdout(usage());
    return exitCodes.ok;
  }
  if (verb === '--version' || verb === 'version') {
    io.stdout((require('../../package.json') as { version: string }).version);
    return exitCodes.ok;
  }
  const command = commands[verb];
  if (!command) {
    io.stderr(`kubepki: unknown command ${JSON.stringify(verb)}\n${usage()}`);
    return exitCodes.badInput;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(`usage: ${command.usage}`);
    return exitCodes.ok;
  }
  // Whatever an error quotes from the command line or a file (a key pasted as an argument), key material never
  // reaches the terminal or a CI log.
  const errorIo: CliIo = { stdout: io.stdout, stderr: (text) => io.stderr(redactKeyMaterial(text)) };
  try {
    return await command.load()(rest, io);
  } catch (error) {
    // Matched by name, not instanceof, so that loading this file does not load every stage.
    if ((error as Error).name === 'SpecError') {
      errorIo.stderr(`kubepki ${verb}: invalid spec: ${(error as Error).message}${verb === 'generate' ? '\nnothing was written' : ''}`);
      return exitCodes.badInput;
    }
    if ((error as Error).name === 'FileSystemError' || (error as Error).name === 'OutputLockedError') {
      errorIo.stderr(`kubepki ${verb}: ${(error as Error).message}`);
      return exitCodes.fileSystem;
    }
    if ((error as Error).name === 'RealizeError') {
      errorIo.stderr(`kubepki ${verb}: ${(error as Error).message}`);
      return exitCodes.failed;
    }
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      errorIo.stderr(`kubepki ${verb}: ${(error as Error).message}\nusage: ${command.usage}`);
      return exitCodes.badInput;
    }
    errorIo.stderr(`kubepki ${verb}: ${(error as Error).message}`);
    return exitCodes.failed;
  }
}
