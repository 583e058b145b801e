import { outputFlag, type VerbSpec } from './verb-spec';

/** The verbs that read a spec or a tree and print: access, review, verification, inspection. */
export const readingVerbs: readonly VerbSpec[] = [
  {
    name: 'can-i',
    summary: 'offline `kubectl auth can-i`: yes/no and the binding that decided; --list',
    description:
      'Answers as `kubectl auth can-i` would for that identity: yes (exit 0) or no (exit 1) on stdout, the binding and rule that decided on stderr. Resource names are resolved as kubectl resolves them (po, deploy, deployments, Deployment → deployments.apps); an unknown name gets kubectl\'s warning. Without -n, namespaced requests are asked in "default", as kubectl does with no namespace configured.',
    usage: [
      'kubepki can-i <spec> --as <identity> <verb> <resource|resource/subresource|/url> [-n <namespace> | -A] [--subresource <name>] [-q]',
      'kubepki can-i <spec> --as <identity> --list [-n <namespace>] [--no-headers] [-q]',
    ],
    flags: {
      as: {
        type: 'string',
        value: 'identity',
        description: 'user:NAME, group:NAME or serviceAccount:NS/NAME (required)',
      },
      namespace: {
        type: 'string',
        short: 'n',
        value: 'ns',
        description: 'the namespace to ask in (default "default")',
      },
      'all-namespaces': {
        type: 'boolean',
        short: 'A',
        description: 'ask for all namespaces at once (a request without a namespace)',
      },
      subresource: { type: 'string', value: 'name', description: 'a subresource, e.g. log (the same as pods/log)' },
      list: {
        type: 'boolean',
        description: 'list every action the identity may take in the namespace, as kubectl auth can-i --list',
      },
      'no-headers': { type: 'boolean', description: 'with --list: leave out the header line' },
      quiet: {
        type: 'boolean',
        short: 'q',
        description: 'print nothing: the exit code answers (0 yes, 1 no), as kubectl auth can-i -q',
      },
    },
    examples: [
      {
        comment: 'May the dev-team group create deployments in app1-dev?',
        command: 'kubepki can-i stacks/team.cluster.yaml --as group:dev-team create deploy -n app1-dev',
      },
      {
        comment: 'Everything alice may do in app1-dev',
        command: 'kubepki can-i stacks/team.cluster.yaml --as user:alice --list -n app1-dev',
      },
    ],
    load: async () => (await import('./can-i-command')).canICommand,
  },
  {
    name: 'access',
    summary: 'access matrix of every identity, cluster-admin equivalents, expectations',
    description:
      "Every identity × namespace × common action, who is as powerful as cluster-admin (and whether a binding could revoke it), and the spec's `expect` entries; exit 1 when an expectation fails.",
    usage: ['kubepki access <spec> [-o text|md|json|yaml]'],
    flags: { ...outputFlag(['text', 'md', 'json', 'yaml'], 'text') },
    examples: [
      { comment: 'The access matrix on the terminal', command: 'kubepki access stacks/team.cluster.yaml' },
      {
        comment: 'As a Markdown pull-request comment',
        command: 'kubepki access stacks/team.cluster.yaml -o md > access.md',
      },
    ],
    load: async () => (await import('./access-command')).accessCommand,
  },
  {
    name: 'plan',
    summary: 'secret-free, stable inventory of the plan, to commit beside the spec',
    description:
      'Every certificate, key, kubeconfig and RBAC object the spec implies, secret-free and byte-identical for the same spec.',
    usage: ['kubepki plan <spec> [-o yaml|json|md]'],
    flags: { ...outputFlag(['yaml', 'json', 'md'], 'yaml') },
    examples: [
      {
        comment: 'Commit the inventory beside the spec',
        command: 'kubepki plan stacks/lab.cluster.yaml > stacks/lab.inventory.yaml',
      },
      { comment: 'As a Markdown table', command: 'kubepki plan stacks/lab.cluster.yaml -o md' },
    ],
    load: async () => (await import('./plan-command')).planCommand,
  },
  {
    name: 'diff',
    summary: 'semantic PKI diff for pull requests: changes, impact, access; --exit-code 0/1/3',
    description:
      'What a spec change does to the PKI: certificates reissued, kubeconfigs to hand out again, access gained and lost, and the rollout order. With --exit-code: 0 no change, 1 changes, 3 changes that must block a merge (a CA or the sa key replaced, or a new unrevocable cluster-admin).',
    usage: [
      'kubepki diff <base spec> <head spec> [-o md|json|yaml] [--exit-code]',
      'kubepki diff --git <rev> <spec> [-o md|json|yaml] [--exit-code]',
    ],
    flags: {
      git: { type: 'string', value: 'rev', description: 'compare the spec with itself as committed at <rev>' },
      ...outputFlag(['md', 'json', 'yaml'], 'md'),
      'exit-code': {
        type: 'boolean',
        description: 'exit 1 when something changes, 3 when the change must block a merge',
      },
    },
    examples: [
      {
        comment: "A pull request's PKI impact, as its CI job posts it",
        command: 'kubepki diff --git origin/main stacks/team.cluster.yaml --exit-code',
      },
      {
        comment: 'Two specs side by side, as JSON',
        command: 'kubepki diff stacks/lab.cluster.yaml stacks/ha.cluster.yaml -o json',
      },
    ],
    load: async () => (await import('./diff-command')).diffCommand,
  },
  {
    name: 'graph',
    summary: 'who trusts whom: client → server edges with certificates and CAs',
    description:
      'Every TLS edge of the cluster with the client certificate, the server certificate and the CA each side trusts.',
    usage: ['kubepki graph <spec> [-o mermaid|dot|md|json|yaml]'],
    flags: { ...outputFlag(['mermaid', 'dot', 'md', 'json', 'yaml'], 'mermaid') },
    examples: [
      { comment: 'A Mermaid diagram for a README or pull request', command: 'kubepki graph stacks/lab.cluster.yaml' },
      {
        comment: 'Render with Graphviz',
        command: 'kubepki graph stacks/ha.cluster.yaml -o dot | dot -Tsvg > trust.svg',
      },
    ],
    load: async () => (await import('./graph-command')).graphCommand,
  },
  {
    name: 'verify',
    summary: 'check any kubeadm /etc/kubernetes (or a generated tree): findings, exit 1 on errors',
    description:
      "Checks chains, usages, SANs, CA separation, key/certificate matches, kubeconfigs, file modes and expiry; with --spec also drift against the plan and the spec's access expectations. <dir> defaults to /etc/kubernetes.",
    usage: ['kubepki verify [<dir>] [--spec <spec>] [-o text|json|yaml] [--expiry-window <days>]'],
    flags: {
      spec: {
        type: 'string',
        value: 'spec',
        description: "also compare the tree with this spec's plan, and check its expectations",
      },
      ...outputFlag(['text', 'json', 'yaml'], 'text'),
      'expiry-window': {
        type: 'string',
        value: 'days',
        default: '30',
        description: 'warn about certificates expiring within this many days (default 30)',
      },
    },
    examples: [
      { comment: "Check this control-plane node's /etc/kubernetes", command: 'kubepki verify' },
      {
        comment: 'Check a generated tree against its spec',
        command: 'kubepki verify out/team --spec stacks/team.cluster.yaml',
      },
    ],
    load: async () => (await import('./verify-command')).verifyCommand,
  },
  {
    name: 'expiry',
    summary: 'kubeadm certs check-expiration, from the files alone',
    description:
      'The table `kubeadm certs check-expiration` prints (and its -o json shape) for a node directory, read from the files alone; <dir> defaults to /etc/kubernetes. On a whole `generate --out` tree, one table per node (an extension: kubeadm sees one node).',
    usage: ['kubepki expiry [<dir>] [-o text|json|yaml]'],
    flags: { ...outputFlag(['text', 'json', 'yaml'], 'text') },
    examples: [
      { comment: "This node's certificates, as kubeadm shows them", command: 'kubepki expiry' },
      { comment: 'One node of a generated tree, as JSON', command: 'kubepki expiry out/lab/cp1 -o json' },
    ],
    load: async () => (await import('./expiry-command')).expiryCommand,
  },
  {
    name: 'inspect',
    summary: 'what a certificate, request, key, kubeconfig or JWT says (public facts only)',
    description:
      'Prints the public facts of a PEM file (certificates, certificate requests, private keys — their public half only — and public keys), a kubeconfig (contexts, server, its CA and user certificate or token) or a JWT (header and claims; `kubepki token verify` checks its signature). Reads standard input for "-".',
    usage: ['kubepki inspect <file|-> [-o text|json|yaml]'],
    flags: { ...outputFlag(['text', 'json', 'yaml'], 'text') },
    examples: [
      {
        comment: "The apiserver certificate's SANs, usages and expiry",
        command: 'kubepki inspect out/lab/cp1/pki/apiserver.crt',
      },
      {
        comment: 'Who a kubeconfig authenticates as, as JSON',
        command: 'kubepki inspect out/team/users/alice.conf -o json',
      },
    ],
    load: async () => (await import('./inspect-command')).inspectCommand,
  },
  {
    name: 'join-command',
    summary: 'print the `kubeadm join` line of a node (token hidden unless --print-token)',
    description:
      'Prints the `kubeadm join` command line of a node of a generated tree, from its kubeadm configuration; the bootstrap token is hidden unless --print-token.',
    usage: ['kubepki join-command <dir> --node <name> [--print-token]'],
    flags: {
      node: {
        type: 'string',
        value: 'name',
        description: 'the node that joins (a directory of the tree; not the first control-plane node)',
      },
      'print-token': { type: 'boolean', description: 'print the bootstrap token instead of hiding it' },
    },
    examples: [
      { comment: 'How worker w1 joins the lab cluster', command: 'kubepki join-command out/lab --node w1' },
      {
        comment: 'The same, with the token, to paste on w1',
        command: 'kubepki join-command out/lab --node w1 --print-token',
      },
    ],
    load: async () => (await import('./join-command-command')).joinCommandCommand,
  },
  {
    name: 'schema',
    summary: 'print the JSON Schema of cluster specs',
    description:
      "The JSON Schema generated from the spec's zod schema (the committed stacks/cluster.schema.json), for editors.",
    usage: ['kubepki schema [-o json|yaml]'],
    flags: { ...outputFlag(['json', 'yaml'], 'json') },
    examples: [
      { comment: 'Refresh the committed schema', command: 'kubepki schema > stacks/cluster.schema.json' },
      { comment: 'Use it from a spec in another repository', command: 'kubepki schema > cluster.schema.json' },
    ],
    load: async () => (await import('./schema-command')).schemaCommand,
  },
];
