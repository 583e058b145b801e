import { outputFlag, type FlagSpec, type VerbSpec } from './verb-spec';

const quiet: Record<string, FlagSpec> = {
  quiet: { type: 'boolean', short: 'q', description: 'print only the summary (no per-file lines, no progress)' },
};
const wait: Record<string, FlagSpec> = {
  wait: {
    type: 'string',
    value: 'seconds',
    default: '60',
    description: 'how long to wait for another run writing <dir> (default 60; 0 fails at once)',
  },
};

/** Every verb of `kubepki`, in the order help lists them. Command modules load lazily (see VerbSpec.load). */
export const verbs: readonly VerbSpec[] = [
  {
    name: 'generate',
    summary: 'write the PKI tree, kubeconfigs and RBAC for a spec (offline)',
    description:
      'Reconciles <dir> with the spec as kubeadm does with /etc/kubernetes: keeps what still matches, issues what is missing, reissues what changed, never replaces a CA. One line per file: created, kept, reissued, updated, external, stale, removed. On a terminal a progress line shows key generation on stderr.',
    usage: ['kubepki generate <spec> --out <dir> [--dry-run] [--prune] [--wait <seconds>] [--quiet]'],
    flags: {
      out: {
        type: 'string',
        value: 'dir',
        description: 'the directory that receives <node>/, users/ and rbac/ (required)',
      },
      'dry-run': {
        type: 'boolean',
        description: 'print what would change and how many keys would be generated; write nothing',
      },
      prune: { type: 'boolean', description: 'delete files the plan no longer names (listed as stale otherwise)' },
      signer: {
        type: 'string',
        multiple: true,
        value: 'ca=uri',
        description: "sign a CA's certificates with an external signer instead of its key file (repeatable)",
      },
      ...wait,
      ...quiet,
    },
    examples: [
      {
        comment: "Write the lab cluster's PKI, kubeconfigs and RBAC into out/lab",
        command: 'kubepki generate stacks/lab.cluster.yaml --out out/lab',
      },
      {
        comment: 'See what a spec change would reissue, without writing anything',
        command: 'kubepki generate stacks/team.cluster.yaml --out out/team --dry-run',
      },
    ],
    load: async () => (await import('./generate-command')).generateCommand,
  },
  {
    name: 'renew',
    summary: 'kubeadm certs renew: reissue named certificates (or --all) with their keys',
    description:
      "Reissues the named leaf certificates of a generated tree now, with their existing keys and a fresh validity, and rewrites the kubeconfigs that embed them, as `kubeadm certs renew` does; nothing else is touched. Names are kubeadm's (apiserver, etcd-server, admin.conf: on every node), node-qualified (cp1/apiserver) or plan ids (users/alice.conf). CAs are not renewed: that is a rotation.",
    usage: ['kubepki renew <spec> --out <dir> (<certificate>... | --all) [--dry-run] [--quiet]'],
    flags: {
      out: { type: 'string', value: 'dir', description: 'the directory `kubepki generate` wrote (required)' },
      all: { type: 'boolean', description: 'renew every leaf certificate and kubeconfig certificate' },
      'dry-run': { type: 'boolean', description: 'print what would be rewritten; write nothing' },
      ...quiet,
    },
    examples: [
      {
        comment: "Renew the apiserver's certificate on every control-plane node",
        command: 'kubepki renew stacks/lab.cluster.yaml --out out/lab apiserver',
      },
      {
        comment: 'Renew everything kubeadm would, before a yearly expiry',
        command: 'kubepki renew stacks/lab.cluster.yaml --out out/lab --all',
      },
    ],
    load: async () => (await import('./renew-command')).renewCommand,
  },
  {
    name: 'csr',
    summary: 'kubeadm certs generate-csr: keys and CSRs for the certificates an outside CA signs',
    description:
      "For every certificate signed by a CA the spec marks external-ca (spec.pki.caKeys), writes the private key and a CSR in kubeadm's layout: pki/<name>.key + pki/<name>.csr, and for kubeconfigs <name>.conf (the key embedded, no certificate yet) + <name>.conf.csr (a user who keeps their key gets a copy of their own CSR). Have the outside CA sign each CSR and save the certificate beside it as <name>.crt (<name>.conf.crt); `kubepki generate` then checks each one against the plan and finishes the tree, kubeconfigs included, without the CA key. Re-running keeps keys and CSRs that still fit.",
    usage: ['kubepki csr <spec> --out <dir> [--dry-run] [--wait <seconds>] [--quiet]'],
    flags: {
      out: {
        type: 'string',
        value: 'dir',
        description: 'the directory that receives <node>/ and users/ (required; the one generate completes)',
      },
      'dry-run': { type: 'boolean', description: 'print which keys and CSRs would be written; write nothing' },
      ...wait,
      ...quiet,
    },
    examples: [
      { comment: 'Write the keys and CSRs the outside CA must sign', command: 'kubepki csr cluster.yaml --out out' },
      {
        comment: 'Then sign each CSR (here with openssl) and finish the tree',
        command: 'kubepki generate cluster.yaml --out out',
      },
    ],
    load: async () => (await import('./csr-command')).csrCommand,
  },
  {
    name: 'user-request',
    summary: "on the user's machine: make a key (kept, 0600) and a CSR for the spec's users[].csr",
    description:
      "Run by a user on their own machine: makes a private key that never leaves it (0600) and a certificate signing request to put in the spec's users[].csr, so kubepki signs a certificate for a key it never sees.",
    usage: ['kubepki user-request <name> [--group G]... [--algorithm ECDSA-P256] [--out <dir>] [--force]'],
    flags: {
      group: { type: 'string', multiple: true, value: 'group', description: 'a group (O) to request (repeatable)' },
      algorithm: { type: 'string', value: 'algorithm', description: 'the key algorithm (default ECDSA-P256)' },
      out: {
        type: 'string',
        value: 'dir',
        description: 'where the key and the CSR are written (default the current directory)',
      },
      force: { type: 'boolean', description: 'replace an existing key and CSR' },
    },
    examples: [
      { comment: 'alice makes her key and CSR on her laptop', command: 'kubepki user-request alice --group dev-team' },
      {
        comment: 'The same, into a directory of its own',
        command: 'kubepki user-request alice --group dev-team --out ~/.kube/team',
      },
    ],
    load: async () => (await import('./user-request-command')).userRequestCommand,
  },
  {
    name: 'cfssl-config',
    summary: 'the cfssl serve -config (a signing profile per kubepki profile) for CAs held by cfssl',
    description:
      'Prints the configuration for `cfssl serve -config` with a signing profile per kubepki certificate profile, for CAs whose keys cfssl holds (generate --signer). The auth key comes from KUBEPKI_CFSSL_AUTH_KEY.',
    usage: ['kubepki cfssl-config <spec>    (with KUBEPKI_CFSSL_AUTH_KEY=<hex> in the environment)'],
    flags: {},
    examples: [
      {
        comment: 'Write the cfssl configuration for the lab cluster (KUBEPKI_CFSSL_AUTH_KEY exported)',
        command: 'kubepki cfssl-config stacks/lab.cluster.yaml > cfssl.json',
      },
      {
        comment: 'Check what profiles it holds',
        command: 'kubepki cfssl-config stacks/lab.cluster.yaml | jq .signing.profiles',
      },
    ],
    load: async () => (await import('./cfssl-config-command')).cfsslConfigCommand,
  },
  {
    name: 'rbac',
    summary: 'print the RBAC manifests a spec implies (cdk8s-synthesized YAML)',
    description: 'Prints the manifests `generate` writes to rbac/, as one multi-document YAML stream in apply order.',
    usage: ['kubepki rbac <spec>'],
    flags: {},
    examples: [
      {
        comment: "Apply the team cluster's RBAC",
        command: 'kubepki rbac stacks/team.cluster.yaml | kubectl apply -f -',
      },
      {
        comment: 'Review the manifests before committing a spec change',
        command: 'kubepki rbac stacks/team.cluster.yaml | less',
      },
    ],
    load: async () => (await import('./rbac-command')).rbacCommand,
  },
  {
    name: 'token',
    summary: 'mint a service-account token with sa.key, or `token verify` one against sa.pub',
    description:
      "Mints a service-account JWT signed with the node's sa.key (the token alone on stdout's last line), optionally as a CI/CD kubeconfig; `token verify` checks one against sa.pub and prints the identity or the exact reason kube-apiserver would reject it.",
    usage: [
      'kubepki token --pki <node dir> --service-account <ns>/<name> (--spec <spec> | --allow-undeclared) [--uid UID] [--audience A]... [--duration 1h]',
      '              [--issuer URL | --dns-domain cluster.local] [--kubeconfig FILE [--server URL] [--cluster-name NAME]]',
      'kubepki token verify <jwt> --pki <node dir> [--audience A]... [--issuer URL | --dns-domain D]',
    ],
    flags: {
      pki: {
        type: 'string',
        value: 'dir',
        description: 'a control-plane node directory of `generate` (or its pki/), where sa.key and sa.pub are',
      },
      'service-account': { type: 'string', value: 'ns/name', description: 'the ServiceAccount the token is for' },
      spec: {
        type: 'string',
        value: 'spec',
        description: 'the spec that must declare the ServiceAccount (spec.serviceAccounts)',
      },
      'allow-undeclared': { type: 'boolean', description: 'mint for a ServiceAccount the spec does not declare' },
      uid: {
        type: 'string',
        value: 'uid',
        description: "the ServiceAccount's metadata.uid (a real kube-apiserver requires it)",
      },
      audience: {
        type: 'string',
        multiple: true,
        value: 'aud',
        description: "an audience (repeatable; default the issuer, as kube-apiserver's --api-audiences)",
      },
      duration: {
        type: 'string',
        value: 'duration',
        default: '1h',
        description: 'lifetime as a Go duration (default 1h)',
      },
      issuer: {
        type: 'string',
        value: 'url',
        description: 'the iss claim (default https://kubernetes.default.svc.<dns-domain>)',
      },
      'dns-domain': {
        type: 'string',
        value: 'domain',
        default: 'cluster.local',
        description: 'the cluster DNS domain of the default issuer (default cluster.local)',
      },
      kubeconfig: {
        type: 'string',
        value: 'file',
        description: 'also write a 0600 CI/CD kubeconfig with the token as its user',
      },
      server: {
        type: 'string',
        value: 'url',
        description: "the kubeconfig's server (default the admin.conf's beside --pki)",
      },
      'cluster-name': {
        type: 'string',
        value: 'name',
        description:
          "the kubeconfig's cluster name (default <admin.conf cluster>-<CA fingerprint>, unique per cluster)",
      },
    },
    examples: [
      {
        comment: 'A one-hour token for ci/deployer, written as a CI kubeconfig',
        command:
          'kubepki token --pki out/team/cp1 --service-account ci/deployer --spec stacks/team.cluster.yaml --kubeconfig out/ci-deployer.conf',
      },
      {
        comment: "Check a token against the cluster's sa.pub",
        command: 'kubepki token verify "$TOKEN" --pki out/team/cp1',
      },
    ],
    load: async () => (await import('./token-command')).tokenCommand,
  },
  {
    name: 'can-i',
    summary: 'offline `kubectl auth can-i`: yes/no and the binding that decided; --list',
    description:
      'Answers as `kubectl auth can-i` would for that identity: yes (exit 0) or no (exit 1) on stdout, the binding and rule that decided on stderr. Resource names are resolved as kubectl resolves them (po, deploy, deployments, Deployment → deployments.apps); an unknown name gets kubectl\'s warning. Without -n, namespaced requests are asked in "default", as kubectl does with no namespace configured.',
    usage: [
      'kubepki can-i <spec> --as <identity> <verb> <resource|resource/subresource|/url> [-n <namespace> | -A]',
      'kubepki can-i <spec> --as <identity> --list [-n <namespace>] [--no-headers]',
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
      quiet: { type: 'boolean', short: 'q', description: 'print only yes or no (no reason on stderr)' },
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
    usage: ['kubepki graph <spec> [-o mermaid|dot|md]'],
    flags: { ...outputFlag(['mermaid', 'dot', 'md'], 'mermaid') },
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
    usage: ['kubepki schema'],
    flags: {},
    examples: [
      { comment: 'Refresh the committed schema', command: 'kubepki schema > stacks/cluster.schema.json' },
      { comment: 'Use it from a spec in another repository', command: 'kubepki schema > cluster.schema.json' },
    ],
    load: async () => (await import('./schema-command')).schemaCommand,
  },
];

/** The verb of that name. */
export function verbNamed(name: string): VerbSpec | undefined {
  return verbs.find((v) => v.name === name);
}
