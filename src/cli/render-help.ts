import type { FlagSpec, VerbSpec } from './verb-spec';

/** `kubepki --help`: the verbs, one line each. */
export function renderTopHelp(verbs: readonly VerbSpec[]): string {
  const width = Math.max(...verbs.map((v) => v.name.length));
  return [
    'kubepki: declarative PKI-as-code for Kubernetes: one cluster spec to the kubeadm PKI tree, kubeconfigs and RBAC.',
    '',
    'Usage:',
    '  kubepki <verb> [args] [flags]',
    '',
    'Verbs:',
    ...verbs.map((v) => `  ${v.name.padEnd(width)}  ${v.summary}`),
    '',
    'Use "kubepki help <verb>" (or "kubepki <verb> --help") for the flags and examples of a verb.',
    'Exit codes: 0 ok, 1 a check failed, 2 bad input (nothing written), 3 a diff that must block a merge, 4 the file system refused or another run holds the directory.',
  ].join('\n');
}

function flagLine([name, f]: [string, FlagSpec]): [string, string] {
  const short = f.short ? `-${f.short}, ` : '    ';
  return [`  ${short}--${name}${f.type === 'string' ? ` <${f.value ?? 'value'}>` : ''}`, f.description];
}

/** `kubepki help <verb>`: description, usage, examples and every flag, as kubectl lays its help out. */
export function renderVerbHelp(verb: VerbSpec): string {
  const flags: [string, FlagSpec][] = [
    ...Object.entries(verb.flags).filter(([, f]) => !f.hidden),
    ['help', { type: 'boolean', short: 'h', description: 'help for this verb' }],
  ];
  const lines = flags.map(flagLine);
  const width = Math.max(...lines.map(([left]) => left.length));
  return [
    verb.description,
    '',
    'Usage:',
    ...verb.usage.map((u) => `  ${u}`),
    '',
    'Examples:',
    ...verb.examples.flatMap((e, i) => [...(i > 0 ? [''] : []), `  # ${e.comment}`, `  ${e.command}`]),
    '',
    'Flags:',
    ...lines.map(([left, right]) => `${left.padEnd(width)}   ${right}`),
  ].join('\n');
}
