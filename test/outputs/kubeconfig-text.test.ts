import { describe, expect, it } from 'vitest';
import {
  dumpStableYaml,
  kubeconfigObject,
  parseKubeconfig,
  parseOwnKubeconfig,
  renderKubeconfigObject,
  type KubeconfigObjectInput,
} from '../../src/outputs/kubeconfig';

// renderKubeconfigObject writes most kubeconfigs directly and leaves the rest to js-yaml. Either way the text must be
// the bytes js-yaml's dump (dumpStableYaml) writes for the kubeconfig document: a re-run compares files by content,
// so a writer that drifted by one byte would rewrite every kubeconfig of a tree.

/** A small deterministic generator (mulberry32), so a failure names a reproducible case. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const alphabets = [
  'abcdefghijklmnopqrstuvwxyz0123456789-.:@/',
  // Characters that make js-yaml quote or escape, or that YAML gives a meaning to.
  'aZ09 -_.:@/#&*!|>%{}[],?\'"\\\u00e9\u0007\u00a0\u2028~`',
];

function name(next: () => number, alphabet: string): string {
  const length = Math.floor(next() * 24);
  return Array.from({ length }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
}

const pem = (n: number) =>
  `-----BEGIN CERTIFICATE-----\n${Buffer.alloc(300 + n, n)
    .toString('base64')
    .replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;

function inputOf(seed: number): KubeconfigObjectInput {
  const next = random(seed);
  const alphabet = alphabets[seed % 2]!;
  const contexts = Array.from({ length: 1 + Math.floor(next() * 3) }, () => ({
    name: name(next, alphabet),
    ...(next() < 0.5 ? { namespace: name(next, alphabet) } : {}),
  }));
  const user: Record<string, string> =
    next() < 0.2
      ? { token: name(next, alphabet) }
      : {
          'client-certificate-data': Buffer.from(pem(seed)).toString('base64'),
          ...(next() < 0.7 ? { 'client-key-data': Buffer.from(pem(seed + 1)).toString('base64') } : {}),
        };
  return {
    clusterName: name(next, alphabet),
    server: `https://${name(next, alphabet)}:6443`,
    ...(next() < 0.9 ? { caCertificatePem: pem(seed + 2) } : {}),
    userName: name(next, alphabet),
    user,
    contexts,
    currentContext: contexts[Math.floor(next() * contexts.length)]!.name,
  };
}

describe('kubeconfig text', () => {
  it('is js-yaml’s dump of the kubeconfig document, byte for byte, for plain and awkward names', () => {
    for (let seed = 0; seed < 400; seed++) {
      const input = inputOf(seed);
      expect(renderKubeconfigObject(input), `seed ${seed}`).toBe(dumpStableYaml(kubeconfigObject(input)));
    }
  });

  it('reads back as it was written', () => {
    for (let seed = 0; seed < 100; seed++) {
      const input = inputOf(seed);
      const read = parseKubeconfig(renderKubeconfigObject(input));
      expect(read.clusterName).toBe(input.clusterName);
      expect(read.server).toBe(input.server);
      expect(read.userName).toBe(input.userName);
      expect(read.currentContext).toBe(input.currentContext);
      expect(read.caCertificatePem).toBe(input.caCertificatePem);
      expect(read.contexts.map((c) => c.name)).toEqual(input.contexts.map((c) => c.name));
    }
  });
});

describe('kubeconfig reading', () => {
  const text = renderKubeconfigObject(inputOf(0));

  const data = Buffer.from(pem(7)).toString('base64');

  it('takes a base64 look-alike inside a comment, a block or a single-quoted scalar as YAML does', () => {
    const tricky = `${text}# "${data}"\n`.replace(
      'preferences: {}',
      `preferences:\n  note: '"${data}"'\n  block: |\n    "${data}"`,
    );
    expect(parseKubeconfig(tricky)).toEqual(parseKubeconfig(text));
    const server = text.replace(/server: "[^"]+"/, `server: '"${data}"'`);
    expect(parseKubeconfig(server).server).toBe(`"${data}"`);
    const block = text.replace(/server: "[^"]+"/, `server: |-\n        "${data}"`);
    expect(parseKubeconfig(block).server).toBe(`"${data}"`);
    const user = tricky.replace(/client-certificate-data: "[^"]+"/, `client-certificate-data: '${data}'`);
    expect(parseKubeconfig(user).clientCertificatePem).toBe(pem(7));
  });

  it('reads a text that spells the placeholder itself the plain way', () => {
    const spelled = text.replace('preferences: {}', 'preferences:\n  note: "\\akubepki-data-0\\a"');
    expect(parseKubeconfig(spelled)).toEqual(parseKubeconfig(text));
  });
});

describe('a kubeconfig read as this program writes it', () => {
  const planOf = (input: KubeconfigObjectInput) => ({
    id: 'x',
    name: 'x.conf',
    certificate: 'x',
    clusterName: input.clusterName,
    server: input.server,
    userName: input.userName,
    contexts: input.contexts,
    currentContext: input.contexts[0]!.name,
  });

  it('reads what YAML reads, whichever planned context the user made current', () => {
    let read = 0;
    for (let seed = 0; seed < 200; seed += 2) {
      const input = inputOf(seed);
      if (!('client-certificate-data' in input.user)) continue;
      const text = renderKubeconfigObject(input);
      const own = parseOwnKubeconfig(text, planOf(input));
      expect(own, `seed ${seed}`).toEqual(parseKubeconfig(text));
      read++;
    }
    expect(read).toBeGreaterThan(50);
  });

  it('declines any text that is not exactly its own writing, for YAML to read', () => {
    const input = inputOf(4);
    const text = renderKubeconfigObject(input);
    const plan = planOf(input);
    for (const changed of [
      `${text}# a comment\n`,
      text.replace('kind: "Config"', "kind: 'Config'"),
      text.replace(/server: "[^"]*"/, 'server: "https://elsewhere:6443"'),
      text.replace('  - name:', '  - name: "other"\n    user: {}\n  - name:'),
      text.replace(/current-context: "[^"]*"/, 'current-context: "not-a-planned-context"'),
    ]) {
      expect(parseOwnKubeconfig(changed, plan)).toBeUndefined();
    }
    expect(parseOwnKubeconfig(text, { ...plan, userName: `${plan.userName}x` })).toBeUndefined();
  });
});
