import { closestName } from '../spec/closest-name';
import { redactKeyMaterial } from '../spec/safe-text';
import { exitCodes, processIo, UsageError, type CliIo } from './cli-io';
import { renderTopHelp, renderVerbHelp } from './render-help';
import { verbNamed, verbs } from './verbs';

function unknownVerb(word: string): string {
  // A flag before any verb: only --help and --version exist there.
  if (word.startsWith('-') && word !== '-') {
    const guess = closestName(word.replace(/^--?/, '').split('=')[0]!, ['help', 'version']);
    return `kubepki: unknown flag ${JSON.stringify(word)}${guess ? `: did you mean --${guess}?` : ''}\nkubepki takes a verb first (kubepki <verb> [args] [flags]); run "kubepki help" for the list of verbs.`;
  }
  const guess = closestName(
    word,
    verbs.map((v) => v.name),
  );
  return `kubepki: unknown verb ${JSON.stringify(word)}${guess ? `: did you mean "${guess}"?` : ''}\nRun "kubepki help" for the list of verbs.`;
}

/** Runs one CLI invocation and returns its exit code; errors become messages, never stack traces. */
export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  const [word, ...rest] = argv;
  if (!word) {
    io.stderr(renderTopHelp(verbs));
    return exitCodes.badInput;
  }
  if (word === '--help' || word === '-h' || word === 'help') {
    if (word === 'help' && rest[0] !== undefined) {
      const verb = verbNamed(rest[0]);
      if (!verb) {
        io.stderr(unknownVerb(rest[0]));
        return exitCodes.badInput;
      }
      io.stdout(renderVerbHelp(verb));
      return exitCodes.ok;
    }
    io.stdout(renderTopHelp(verbs));
    return exitCodes.ok;
  }
  if (word === '--version' || word === 'version') {
    io.stdout((require('../../package.json') as { version: string }).version);
    return exitCodes.ok;
  }
  const verb = verbNamed(word);
  if (!verb) {
    io.stderr(unknownVerb(word));
    return exitCodes.badInput;
  }
  const beforeSeparator = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
  if (beforeSeparator.includes('--help') || beforeSeparator.includes('-h')) {
    io.stdout(renderVerbHelp(verb));
    return exitCodes.ok;
  }
  // Whatever an error quotes from the command line or a file (a key pasted as an argument), key material never
  // reaches the terminal or a CI log.
  const errorIo: CliIo = { stdout: (text) => io.stdout(text), stderr: (text) => io.stderr(redactKeyMaterial(text)) };
  try {
    return await (
      await verb.load()
    )(rest, io);
  } catch (error) {
    io.progress?.(undefined);
    // Matched by name, not instanceof, so that loading this file does not load every stage.
    if ((error as Error).name === 'SpecError') {
      errorIo.stderr(
        `kubepki ${verb.name}: invalid spec: ${(error as Error).message}${verb.name === 'generate' || verb.name === 'renew' ? '\nnothing was written' : ''}`,
      );
      return exitCodes.badInput;
    }
    if ((error as Error).name === 'FileSystemError' || (error as Error).name === 'OutputLockedError') {
      errorIo.stderr(`kubepki ${verb.name}: ${(error as Error).message}`);
      return exitCodes.fileSystem;
    }
    if ((error as Error).name === 'RealizeError') {
      errorIo.stderr(`kubepki ${verb.name}: ${(error as Error).message}`);
      return exitCodes.failed;
    }
    if (error instanceof UsageError || /^ERR_PARSE_ARGS/.test(String((error as { code?: string }).code))) {
      errorIo.stderr(
        `kubepki ${verb.name}: ${(error as Error).message}\nusage: ${verb.usage.join('\n       ')}\nRun "kubepki help ${verb.name}" for every flag and examples.`,
      );
      return exitCodes.badInput;
    }
    errorIo.stderr(`kubepki ${verb.name}: ${(error as Error).message}`);
    return exitCodes.failed;
  }
}
