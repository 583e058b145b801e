import type { CliIo } from './cli-io';

/** One flag of a verb, as help prints it and the parser reads it. */
export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  default?: string;
  /** The value's placeholder in help, e.g. `dir`. */
  value?: string;
  description: string;
  /** Accepted but left out of help (an older spelling kept so scripts keep working). */
  hidden?: boolean;
}

export type Command = (args: string[], io: CliIo) => Promise<number>;

/** A verb of `kubepki`: what help prints about it and how to load it. */
export interface VerbSpec {
  name: string;
  /** One line for the verb list. */
  summary: string;
  /** A few sentences for `kubepki help <verb>`. */
  description: string;
  usage: string[];
  flags: Record<string, FlagSpec>;
  /** Two or more, each with the comment kubectl-style help puts above it. */
  examples: { comment: string; command: string }[];
  /** Loaded on first use: `generate` should not pay for the RBAC evaluator, nor `can-i` for cdk8s. */
  load: () => Promise<Command>;
}

/** The `-o/--output` flag, with the formats a verb renders and the one a terminal gets by default. */
export function outputFlag(formats: readonly string[], byDefault: string): Record<string, FlagSpec> {
  return {
    output: {
      type: 'string',
      short: 'o',
      value: 'format',
      default: byDefault,
      description: `output format: ${formats.join(', ')} (default ${byDefault})`,
    },
    format: { type: 'string', value: 'format', description: 'the same as --output (older spelling)', hidden: true },
  };
}
