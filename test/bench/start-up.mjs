// Part of `npm run bench` (after bench.mjs): times `kubepki generate` on stacks/ha.cluster.yaml as users run it (the built bin, Node start-up
// included) against the raw floor — a Node process generating the same number of key pairs concurrently — and a
// no-op re-run; then the start-up of each way users call kubepki (the bin, npx, npm exec). Reports medians and ratios; the machines are shared and noisy, so single times mean little.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const bin = path.join(root, 'dist/cli/main.js');
const kubepki = require(path.join(root, 'dist/index.js'));
// `npm run bench -- --quick` reaches bench.mjs (run last); BENCH_QUICK=1 makes this part quick too.
const runs = Number(process.env.BENCH_RUNS ?? (process.env.BENCH_QUICK === '1' ? 1 : 5));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Wall time of one process, in seconds; fails loudly if the process fails. */
function timed(command, args) {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
  return seconds;
}

function specWith(algorithm, dir) {
  const text = fs
    .readFileSync(path.join(root, 'stacks/ha.cluster.yaml'), 'utf8')
    .replace(/encryptionAlgorithm: \S+/, `encryptionAlgorithm: ${algorithm}`);
  const file = path.join(dir, `ha-${algorithm}.cluster.yaml`);
  fs.writeFileSync(file, text);
  return file;
}

const floorScript = (algorithm, count) => `
const { generateKeyPair } = require('node:crypto');
const options = ${JSON.stringify(algorithm.startsWith('RSA') ? { type: 'rsa', modulusLength: Number(algorithm.slice(4)) } : { type: 'ec', namedCurve: 'P-256' })};
const opts = options.type === 'rsa' ? { modulusLength: options.modulusLength } : { namedCurve: options.namedCurve };
Promise.all(Array.from({ length: ${count} }, () => new Promise((ok, fail) => generateKeyPair(options.type, opts, (e, pub, priv) => (e ? fail(e) : ok(priv))))));
`;

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kubepki-bench-'));
const rows = [];
try {
  for (const algorithm of ['RSA-2048', 'ECDSA-P256']) {
    const spec = specWith(algorithm, work);
    const plan = kubepki.planPki(kubepki.loadSpecFile(spec));
    const keys = plan.certificates.length + plan.keyPairs.length;
    const generate = [];
    const floor = [];
    const noop = [];
    for (let i = 0; i < runs; i++) {
      // Alternate the two so drift in machine load hits both alike.
      floor.push(timed(process.execPath, ['-e', floorScript(algorithm, keys)]));
      const out = path.join(work, `${algorithm}-${i}`);
      generate.push(timed(process.execPath, [bin, 'generate', spec, '--out', out, '--quiet']));
      noop.push(timed(process.execPath, [bin, 'generate', spec, '--out', out, '--quiet']));
      fs.rmSync(out, { recursive: true, force: true });
    }
    rows.push({ algorithm, keys, generate: median(generate), floor: median(floor), noop: median(noop) });
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}

// Start-up as users call kubepki: the bin (what node_modules/.bin/kubepki runs once kubepki is a dependency), and
// through npm's runners, which resolve the package first (npx and `npm exec` from this repository, offline).
const startup = [
  ['bin (node_modules/.bin/kubepki)', process.execPath, [bin, '--version']],
  ['npx kubepki', 'npx', ['--offline', '--no-install', 'kubepki', '--version']],
  ['npm exec kubepki', 'npm', ['exec', '--offline', '--', 'kubepki', '--version']],
].map(([how, command, args]) => {
  const times = [];
  for (let i = 0; i < runs; i++) times.push(timed(command, args));
  return { how, seconds: median(times) };
});

console.log(
  `kubepki bench: stacks/ha.cluster.yaml, ${runs} runs each, medians, ${os.cpus().length} cores, Node ${process.version}`,
);
console.log('algorithm   keys  generate  floor   ratio  no-op re-run');
for (const r of rows) {
  console.log(
    `${r.algorithm.padEnd(11)} ${String(r.keys).padStart(4)}  ${r.generate.toFixed(3)}s   ${r.floor.toFixed(3)}s  ${(r.generate / r.floor).toFixed(2)}   ${r.noop.toFixed(3)}s`,
  );
}
console.log('start-up (kubepki --version)');
for (const r of startup)
  console.log(
    `  ${r.how.padEnd(32)} ${r.seconds.toFixed(3)}s  (${(r.seconds / startup[0].seconds).toFixed(1)} × the bin)`,
  );
const rsa = rows.find((r) => r.algorithm === 'RSA-2048');
const ec = rows.find((r) => r.algorithm === 'ECDSA-P256');
const targets = [
  [`RSA-2048 generate ≤ 1.2 × floor`, rsa.generate / rsa.floor <= 1.2, `${(rsa.generate / rsa.floor).toFixed(2)} ×`],
  [`ECDSA-P256 whole tree < 1 s`, ec.generate < 1, `${ec.generate.toFixed(3)} s`],
  [`no-op re-run < 0.5 s`, Math.max(rsa.noop, ec.noop) < 0.5, `${Math.max(rsa.noop, ec.noop).toFixed(3)} s`],
];
for (const [name, ok, value] of targets) console.log(`${ok ? 'met ' : 'MISS'}  ${name}: ${value}`);
