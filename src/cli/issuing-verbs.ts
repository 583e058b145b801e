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

/** The verbs that issue or write: keys, certificates, kubeconfigs, CSRs, RBAC and tokens. Help lists them first. */
export const issuingVerbs: readonly VerbSpec[] = [
  {
    name: 'generate',
    summary: 'write the PKI tree, kubeconfigs and RBAC for a spec (offline)',
    description:
      'Reconciles <dir> with the spec as kubeadm does with /etc/kubernetes: keeps what still matches, issues what is missing, reissues what changed, never replaces a CA. One line per file: created, kept, reissued, updated, external, stale, removed; on a terminal each as it happens (a written file once it is in place), otherwise all at the end in plan order. On a terminal a status line on stderr shows key generation, then the writes.',
    usage: [
      'kubepki generate <spec> --out <dir> [--dry-run] [--prune] [--wait <seconds>] [--quiet] [--signer <ca>=<uri>]...',
    ],
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
      group: {
        type: 'string',
        short: 'g',
        multiple: true,
        value: 'group',
        description: 'a group (O) to request (repeatable)',
      },
      algorithm: {
        type: 'string',
        value: 'algorithm',
        default: 'ECDSA-P256',
        description: 'the key algorithm (default ECDSA-P256)',
      },
      out: {
        type: 'string',
        value: 'dir',
        default: '.',
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
    description:
      'Prints the manifests `generate` writes to rbac/, in apply order: one multi-document YAML stream, or with -o json a `List` of the objects, as `kubectl get -o json` prints one.',
    usage: ['kubepki rbac <spec> [-o yaml|json]'],
    flags: { ...outputFlag(['yaml', 'json'], 'yaml') },
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
];
