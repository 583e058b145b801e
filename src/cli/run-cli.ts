import { SpecError } from '../spec';
import { RealizeError } from '../realize/local';
import { exitCodes, processIo, UsageError, type CliIo } from './cli-io';
import { generateCommand, generateUsage } from './generate-command';
import { schemaCommand, schemaUsage } from './schema-command';
import { rbacCommand, rbacUsage } from './rbac-command';
import { canICommand, canIUsage } from './can-i-command';
import { accessCommand, accessUsage } from './access-command';
import { tokenCommand, tokenUsage } from './token-command';

type Command = (args: string[], io: CliIo) => Promise<number>;

const commands: Record<string, { run: Command; usage: string; summary: string }> = {
  generate: { run: generateCommand, usage: generateUsage, summary: 'write the PKI tree, kubeconfigs and RBAC for a spec (offline)' },
  rbac: { run: rbacCommand, usage: rbacUsage, summary: 'print the RBAC manifests a spec implies (cdk8s-synthesized YAML)' },
  token: { run: tokenCommand, usage: tokenUsage, summary: 'mint a service-account token with sa.key, or `token verify` one against sa.pub' },
  'can-i': { run: canICommand, usage: canIUsage, summary: 'offline `kubectl auth can-i`: yes/no and the binding that decided' },
  access: { run: accessCommand, usage: accessUsage, summary: 'access matrix of every identity, cluster-admin equivalents, expectations' },
  schema: { run: schemaCommand, usage: schemaUsage, summary: 'print the JSON Schema of cluster specs' },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return ['usage: kubepki <command> [args]', '', ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)].join('\n');
}

/** Runs one CLI invocation and returns its exit code; errors become messages, never stack traces. */
export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  const [verb, ...rest] = argv;
  if (!verb || verb === '--help' || verb === '-h' || verb === 'help') {
    io.stdout(usage());
    return verb ? exitCodes.ok : exitCodes.badInput;
  }
  const command = commands[verb];
  if (!command) {
    io.stderr(`kubepki: unknown command ${JSON.stringify(verb)}\n${usage()}`);
    return exitCodes.badInput;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof SpecError) {
      io.stderr(`kubepki ${verb}: invalid spec: ${error.message}\nnothing was written`);
      return exitCodes.badInput;
    }
    if (error instanceof RealizeError) {
      io.stderr(`kubepki ${verb}: ${error.message}`);
      return exitCodes.failed;
    }
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`kubepki ${verb}: ${(error as Error).message}\nusage: ${command.usage}`);
      return exitCodes.badInput;
    }
    io.stderr(`kubepki ${verb}: ${(error as Error).message}`);
    return exitCodes.failed;
  }
}
