import * as yaml from 'js-yaml';
import type { KubeconfigPlan } from '../plan';

/** The credentials a kubeconfig embeds; PEM text. */
export interface KubeconfigMaterial {
  caCertificatePem: string;
  clientCertificatePem: string;
  /** Absent when the user holds the key: the kubeconfig then carries the certificate only. */
  clientKeyPem?: string;
}

/** The fields of a kubeconfig kubepki reads back: what the current context uses. */
export interface ParsedKubeconfig {
  clusterName: string;
  server: string;
  caCertificatePem?: string;
  tlsServerName?: string;
  insecureSkipTlsVerify: boolean;
  userName: string;
  clientCertificatePem?: string;
  clientKeyPem?: string;
  token?: string;
  currentContext: string;
  contexts: { name: string; cluster: string; user: string; namespace?: string }[];
}

const base64 = (pem: string) => Buffer.from(pem).toString('base64');

// Every kubeconfig of a tree embeds the same CA bundle (public): its base64 is remembered, the last few by whole text.
const recentCaData = new Map<string, string>();
function caData(pem: string): string {
  const known = recentCaData.get(pem);
  if (known !== undefined) return known;
  const encoded = base64(pem);
  if (recentCaData.size >= 4) recentCaData.delete(recentCaData.keys().next().value!);
  recentCaData.set(pem, encoded);
  return encoded;
}

/**
 * Dumps YAML the same way every time (sorted keys, no line folding) so unchanged files stay byte-identical. Every
 * string is quoted: kubectl and the apiserver read YAML 1.1, where an unquoted `1_000`, `yes` or `0777` is not a
 * string, while js-yaml writes YAML 1.2 and would leave them bare.
 */
export function dumpStableYaml(value: unknown): string {
  return yaml.dump(value, { sortKeys: true, lineWidth: -1, noRefs: true, forceQuotes: true, quotingType: '"' });
}

/** A kubeconfig as kubeadm writes it (`kind: Config`, one cluster, one user, contexts), as YAML text. */
export function renderKubeconfig(plan: KubeconfigPlan, material: KubeconfigMaterial): string {
  return renderKubeconfigObject({
    clusterName: plan.clusterName,
    server: plan.server,
    caCertificatePem: material.caCertificatePem,
    userName: plan.userName,
    user: {
      'client-certificate-data': base64(material.clientCertificatePem),
      ...(material.clientKeyPem !== undefined ? { 'client-key-data': base64(material.clientKeyPem) } : {}),
    },
    contexts: plan.contexts,
    currentContext: plan.currentContext,
  });
}

/**
 * The partial kubeconfig `kubeadm certs generate-csr` writes for an outside CA: the client key kubepki made, no
 * certificate yet (it comes back signed, beside it as `<name>.conf.crt`), the cluster CA when it is known already.
 */
export function renderKeyOnlyKubeconfig(plan: KubeconfigPlan, clientKeyPem: string, caCertificatePem?: string): string {
  return renderKubeconfigObject({
    clusterName: plan.clusterName,
    server: plan.server,
    ...(caCertificatePem !== undefined ? { caCertificatePem } : {}),
    userName: plan.userName,
    user: { 'client-key-data': base64(clientKeyPem) },
    contexts: plan.contexts,
    currentContext: plan.currentContext,
  });
}

/** What a kubeconfig names and holds: one cluster, one user, its contexts. */
export interface KubeconfigObjectInput {
  clusterName: string;
  server: string;
  /** Absent only in a partial kubeconfig whose CA is not known yet. */
  caCertificatePem?: string;
  userName: string;
  user: Record<string, string>;
  contexts: { name: string; namespace?: string }[];
  currentContext: string;
}

/** Shared by certificate and token kubeconfigs. */
export function renderKubeconfigObject(input: KubeconfigObjectInput): string {
  return writtenDirectly(input) ?? dumpedByJsYaml(input);
}

// A string dumpStableYaml writes as itself between double quotes: printable ASCII without a quote or a backslash.
const plainQuoted = /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/;
const base64Text = /^[A-Za-z0-9+/=]*$/;

/**
 * The kubeconfig as js-yaml's dump writes it (sorted keys, two-space indents, sequences indented, every string in
 * double quotes), written directly when every string is one js-yaml writes as itself: rendering each of a thousand
 * users' kubeconfigs through js-yaml's general dumper was a tenth of a no-op run. Anything else (a name with a quote,
 * a backslash or non-ASCII) goes to js-yaml. test/outputs/kubeconfig-text.test.ts holds the two to the same bytes.
 */
function writtenDirectly(input: KubeconfigObjectInput): string | undefined {
  const userEntries = Object.entries(input.user).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const names = [
    input.clusterName,
    input.server,
    input.userName,
    input.currentContext,
    ...input.contexts.flatMap((c) => [c.name, c.namespace ?? '']),
    ...userEntries.map(([k]) => k),
  ];
  const data = [
    input.caCertificatePem !== undefined ? caData(input.caCertificatePem) : '',
    ...userEntries.map(([, v]) => v),
  ];
  if (input.contexts.length === 0 || userEntries.length === 0 || names.some((n) => !plainQuoted.test(n)))
    return undefined;
  // A key js-yaml would quote (or a value that is not base64 under a -data key) is left to js-yaml.
  if (
    userEntries.some(
      ([k, v]) => !/^[a-z][a-z0-9-]*$/.test(k) || (k.endsWith('-data') ? !base64Text.test(v) : !plainQuoted.test(v)),
    )
  )
    return undefined;
  if (!data.every((d) => base64Text.test(d))) return undefined;
  const q = (text: string) => `"${text}"`;
  const lines = [
    `apiVersion: "v1"`,
    `clusters:`,
    `  - cluster:`,
    ...(input.caCertificatePem !== undefined
      ? [`      certificate-authority-data: ${q(caData(input.caCertificatePem))}`]
      : []),
    `      server: ${q(input.server)}`,
    `    name: ${q(input.clusterName)}`,
    `contexts:`,
    ...input.contexts.flatMap((c) => [
      `  - context:`,
      `      cluster: ${q(input.clusterName)}`,
      ...(c.namespace ? [`      namespace: ${q(c.namespace)}`] : []),
      `      user: ${q(input.userName)}`,
      `    name: ${q(c.name)}`,
    ]),
    `current-context: ${q(input.currentContext)}`,
    `kind: "Config"`,
    `preferences: {}`,
    `users:`,
    `  - name: ${q(input.userName)}`,
    `    user:`,
    ...userEntries.map(([k, v]) => `      ${k}: ${q(v)}`),
  ];
  return `${lines.join('\n')}\n`;
}

function dumpedByJsYaml(input: KubeconfigObjectInput): string {
  // js-yaml escapes a scalar character by character, which for the kilobytes of base64 in a kubeconfig was a fifth of
  // a no-op run. Base64 needs no escaping inside double quotes, so it is dumped as a placeholder (a BEL-delimited
  // token no spec name can hold, since js-yaml writes BEL as \a) and put in place afterwards.
  const data: string[] = [];
  const placeholder = (value: string) => `\u0007kubepki-data-${data.push(value) - 1}\u0007`;
  const user = Object.fromEntries(
    Object.entries(input.user).map(([k, v]) => [k, k.endsWith('-data') ? placeholder(v) : v]),
  );
  const text = dumpStableYaml(
    kubeconfigObject(
      input,
      user,
      input.caCertificatePem !== undefined ? placeholder(caData(input.caCertificatePem)) : undefined,
    ),
  );
  return text.replace(/"\\akubepki-data-(\d+)\\a"/g, (_, i: string) => `"${data[Number(i)]!}"`);
}

/** The kubeconfig document: what js-yaml dumps, and what the direct writer must equal. */
export function kubeconfigObject(
  input: KubeconfigObjectInput,
  user: Record<string, string> = input.user,
  caBase64: string | undefined = input.caCertificatePem !== undefined ? caData(input.caCertificatePem) : undefined,
): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: input.clusterName,
        cluster: {
          server: input.server,
          ...(caBase64 !== undefined ? { 'certificate-authority-data': caBase64 } : {}),
        },
      },
    ],
    users: [{ name: input.userName, user }],
    contexts: input.contexts.map((c) => ({
      name: c.name,
      context: { cluster: input.clusterName, user: input.userName, ...(c.namespace ? { namespace: c.namespace } : {}) },
    })),
    'current-context': input.currentContext,
    preferences: {},
  };
}

type Named<T> = { name?: unknown } & T;

function decode(value: unknown): string | undefined {
  return typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : undefined;
}

const dataToken = 'kubepki-data-';
const dataPlaceholder = new RegExp(`^\u0007${dataToken}(\\d+)\u0007$`);

/**
 * yaml.load, with each double-quoted base64 scalar of 64 characters or more read by a regular expression instead of
 * js-yaml's character-by-character scanner: the certificates and keys are most of a kubeconfig's bytes and were most
 * of the time a no-op run spent loading kubeconfigs. Such a scalar has no escapes, so its value is its text; it is
 * replaced by a placeholder before loading and put back after. If the placeholder shows up anywhere but as a whole
 * value (the text held a look-alike inside a comment, a block or single-quoted scalar, or spelled the token itself),
 * the text is loaded again the plain way.
 */
function loadKubeconfigYaml(text: string): unknown {
  if (text.includes(dataToken)) return yaml.load(text);
  const data: string[] = [];
  const shortened = text.replace(
    /"([A-Za-z0-9+/=]{64,})"/g,
    (_, value: string) => `"\\a${dataToken}${data.push(value) - 1}\\a"`,
  );
  if (data.length === 0) return yaml.load(text);
  let intact = true;
  const restore = (value: unknown): unknown => {
    if (typeof value === 'string') {
      const match = dataPlaceholder.exec(value);
      if (match) return data[Number(match[1])];
      if (value.includes(dataToken)) intact = false;
      return value;
    }
    if (Array.isArray(value)) return value.map(restore);
    if (value && typeof value === 'object') {
      const entries = Object.entries(value);
      if (entries.some(([k]) => k.includes(dataToken))) intact = false;
      return Object.fromEntries(entries.map(([k, v]) => [k, restore(v)]));
    }
    return value;
  };
  const doc = restore(yaml.load(shortened));
  return intact ? doc : yaml.load(text);
}

/**
 * The fields of a kubeconfig this program wrote for `plan`, read without YAML: the three data fields and the current
 * context are picked out of the text, and the text is accepted only if writing those values for `plan` gives it back
 * byte for byte, so the values are exactly what YAML reads (the writer's texts are held to js-yaml's in tests).
 * Undefined for any other text (edited, kubeadm's, another layout): parseKubeconfig reads those.
 */
export function parseOwnKubeconfig(text: string, plan: KubeconfigPlan): ParsedKubeconfig | undefined {
  // Located by plain search (a multi-line regular expression tries every position of seven kilobytes); what is taken
  // is checked by writing it back below.
  const field = (key: string) => {
    const marker = `\n      ${key}: "`;
    const start = text.indexOf(marker);
    if (start < 0) return undefined;
    const end = text.indexOf('"', start + marker.length);
    return end < 0 ? undefined : text.slice(start + marker.length, end);
  };
  const ca = field('certificate-authority-data');
  const certificate = field('client-certificate-data');
  const key = field('client-key-data');
  const current = /^current-context: "([^"\\]*)"$/m.exec(text)?.[1];
  if (certificate === undefined || current === undefined || !plan.contexts.some((c) => c.name === current))
    return undefined;
  const input: KubeconfigObjectInput = {
    clusterName: plan.clusterName,
    server: plan.server,
    ...(ca !== undefined ? { caCertificatePem: decode(ca)! } : {}),
    userName: plan.userName,
    user: { 'client-certificate-data': certificate, ...(key !== undefined ? { 'client-key-data': key } : {}) },
    contexts: plan.contexts,
    currentContext: current,
  };
  if (writtenDirectly(input) !== text) return undefined;
  return {
    clusterName: plan.clusterName,
    server: plan.server,
    ...(input.caCertificatePem !== undefined ? { caCertificatePem: input.caCertificatePem } : {}),
    insecureSkipTlsVerify: false,
    userName: plan.userName,
    clientCertificatePem: decode(certificate)!,
    ...(key !== undefined ? { clientKeyPem: decode(key)! } : {}),
    currentContext: current,
    contexts: plan.contexts.map((c) => ({
      name: c.name,
      cluster: plan.clusterName,
      user: plan.userName,
      ...(c.namespace ? { namespace: c.namespace } : {}),
    })),
  };
}

/** Reads the current context of a kubeconfig. Throws a message without credentials when it is not one. */
export function parseKubeconfig(text: string): ParsedKubeconfig {
  let doc: Record<string, unknown>;
  try {
    doc = loadKubeconfigYaml(text) as Record<string, unknown>;
  } catch {
    throw new Error('is not valid YAML');
  }
  if (!doc || typeof doc !== 'object' || doc.kind !== 'Config') throw new Error('is not a kubeconfig (kind: Config)');
  const list = (key: string) => (Array.isArray(doc[key]) ? (doc[key] as Named<Record<string, unknown>>[]) : []);
  const contexts = list('contexts').map((c) => {
    const ctx = (c.context ?? {}) as Record<string, unknown>;
    return {
      name: String(c.name),
      cluster: String(ctx.cluster),
      user: String(ctx.user),
      ...(typeof ctx.namespace === 'string' ? { namespace: ctx.namespace } : {}),
    };
  });
  const currentContext = typeof doc['current-context'] === 'string' ? doc['current-context'] : '';
  const context = contexts.find((c) => c.name === currentContext) ?? contexts[0];
  if (!context) throw new Error('has no context');
  const cluster = (list('clusters').find((c) => c.name === context.cluster)?.cluster ?? {}) as Record<string, unknown>;
  const user = (list('users').find((u) => u.name === context.user)?.user ?? {}) as Record<string, unknown>;
  const caData = decode(cluster['certificate-authority-data']);
  const certData = decode(user['client-certificate-data']);
  const keyData = decode(user['client-key-data']);
  return {
    clusterName: context.cluster,
    server: typeof cluster.server === 'string' ? cluster.server : '',
    ...(caData !== undefined ? { caCertificatePem: caData } : {}),
    ...(typeof cluster['tls-server-name'] === 'string' ? { tlsServerName: cluster['tls-server-name'] } : {}),
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    userName: context.user,
    ...(certData !== undefined ? { clientCertificatePem: certData } : {}),
    ...(keyData !== undefined ? { clientKeyPem: keyData } : {}),
    ...(typeof user.token === 'string' ? { token: user.token } : {}),
    currentContext: context.name,
    contexts,
  };
}

/**
 * Whether the kubeconfig on disk says what the planned one says (kubeadm writes another YAML layout than kubepki).
 * Which of the planned contexts is current is the user's choice (`kubectl config use-context`), not a difference.
 */
export function sameKubeconfig(desired: string, current: string): boolean {
  try {
    const [a, b] = [parseKubeconfig(desired), parseKubeconfig(current)];
    const chosen = a.contexts.some((c) => c.name === b.currentContext) ? b.currentContext : a.currentContext;
    return JSON.stringify({ ...a, currentContext: chosen }) === JSON.stringify(b);
  } catch {
    return false;
  }
}

/**
 * The planned kubeconfig text with the current-context the user chose in the file on disk, when the plan still has
 * that context: a re-run that reissues the certificate or moves the server must not undo `kubectl config use-context`.
 */
export function keepChosenContext(desired: string, current: string | undefined): string {
  if (current === undefined) return desired;
  let chosen: string;
  try {
    chosen = parseKubeconfig(current).currentContext;
  } catch {
    return desired;
  }
  const doc = yaml.load(desired) as { contexts?: { name?: unknown }[]; 'current-context'?: unknown };
  if (doc['current-context'] === chosen || !doc.contexts?.some((c) => c.name === chosen)) return desired;
  return dumpStableYaml({ ...doc, 'current-context': chosen });
}

/**
 * The one command a user runs to add the key they kept on their own machine to a kubeconfig that carries only their
 * certificate; kubectl reads the key file and embeds it.
 */
export function addClientKeyCommand(userName: string, kubeconfigFile: string, keyFile: string): string {
  const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  return `kubectl config set-credentials ${quote(userName)} --client-key=${quote(keyFile)} --embed-certs=true --kubeconfig=${quote(kubeconfigFile)}`;
}
