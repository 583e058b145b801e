import { parseArgs } from 'node:util';
import { closestName } from '../spec/closest-name';
import { UsageError } from './cli-io';
import type { FlagSpec, VerbSpec } from './verb-spec';

export interface VerbArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

// The verbs that write a tree: -o there is a likely slip for --out, and is refused with that explanation.
const writingVerbs = new Set(['generate', 'renew', 'csr', 'user-request']);

const flagName = (name: string) => `--${name}`;

/** The flags a verb's help lists and its did-you-mean considers (hidden spellings excluded). */
function visibleFlags(verb: VerbSpec): [string, FlagSpec][] {
  return [
    ...Object.entries(verb.flags).filter(([, f]) => !f.hidden),
    ['help', { type: 'boolean', short: 'h', description: 'help for this verb' }],
  ];
}

/**
 * Checks every flag before parsing, so that an unknown or misspelt one is reported in kubepki's own words, with the
 * closest flag of the verb (Node's parseArgs would say "Unknown option" and suggest `--`).
 */
function checkFlags(verb: VerbSpec, args: string[]): void {
  const longs = new Map(Object.entries(verb.flags));
  const shorts = new Map(
    Object.entries(verb.flags)
      .filter(([, f]) => f.short)
      .map(([name, f]) => [f.short!, name]),
  );
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return;
    if (!arg.startsWith('-') || arg === '-') continue;
    const isLong = arg.startsWith('--');
    const name = isLong ? arg.slice(2).split('=')[0]! : arg.slice(1, 2);
    const known = isLong ? longs.get(name) : shorts.has(name) ? longs.get(shorts.get(name)!) : undefined;
    if (!known) {
      if (writingVerbs.has(verb.name) && (name === 'o' || name === 'output')) {
        throw new UsageError(
          `unknown flag ${JSON.stringify(arg)}: ${verb.name} writes files, and takes the directory as --out <dir>; the formats of -o belong to the verbs that print (plan, diff, access…)`,
        );
      }
      const guess = closestName(
        name,
        visibleFlags(verb).flatMap(([n, f]) => (isLong || !f.short ? [n] : [f.short])),
      );
      const suggestion = guess ? `: did you mean ${isLong || guess.length > 1 ? flagName(guess) : `-${guess}`}?` : '';
      throw new UsageError(
        `unknown flag ${JSON.stringify(isLong ? `--${name}` : `-${name}`)}${suggestion} (kubepki help ${verb.name} lists every flag)`,
      );
    }
    const inline = isLong ? arg.includes('=') : arg.length > 2;
    if (known.type === 'string' && !inline) {
      const next = args[i + 1];
      if (next === undefined || (next.startsWith('-') && next !== '-'))
        throw new UsageError(`${arg} needs a value${known.value ? ` (<${known.value}>)` : ''}`);
      i++;
    }
    if (known.type === 'boolean' && isLong && arg.includes('='))
      throw new UsageError(`${arg.split('=')[0]} takes no value`);
  }
}

/** Parses a verb's arguments against its flag table; every problem is a UsageError (exit 2) in kubepki's words. */
export function parseVerbArgs(verb: VerbSpec, args: string[]): VerbArgs {
  checkFlags(verb, args);
  const options = Object.fromEntries(
    Object.entries(verb.flags).map(([name, f]) => [
      name,
      {
        type: f.type,
        ...(f.short ? { short: f.short } : {}),
        ...(f.multiple ? { multiple: true } : {}),
        ...(f.default !== undefined ? { default: f.default } : {}),
      },
    ]),
  );
  const { values, positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: options as never });
  return { values: values as VerbArgs['values'], positionals };
}

/** The verb's output format: -o/--output (or its older spelling --format), checked against the formats it renders. */
export function outputFormatOf<F extends string>(values: VerbArgs['values'], formats: readonly F[], byDefault: F): F {
  const explicit = (values.format as string | undefined) ?? (values.output as string | undefined);
  const chosen = explicit ?? byDefault;
  if (!(formats as readonly string[]).includes(chosen)) {
    const guess = closestName(chosen, formats);
    throw new UsageError(
      `-o ${JSON.stringify(chosen)}: use ${formats.join(', ')}${guess ? ` (did you mean ${guess}?)` : ''}`,
    );
  }
  return chosen as F;
}
