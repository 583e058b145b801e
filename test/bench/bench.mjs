// `npm run bench [-- --quick]`: kubepki as users run it (the built bin, Node start-up included), side by side in one
// run with what bounds it from below and what people would otherwise use:
//   1. the HA tree (stacks/ha.cluster.yaml) with RSA-2048 and ECDSA-P256: `generate` against the keygen floor (one
//      Node process generating the same key pairs on both cores), a cfssl script and an openssl script making the
//      same certificates, and the no-op re-run;
//   2. start-up: bare `node` and `plan` of the lab spec;
//   3. the scaling points U users × W workers for every verb, with wall time, CPU time and peak RSS, and the growth
//      exponent between the two largest sizes along each axis.
// Medians of BENCH_RUNS runs (default 3, --quick: 1 run and the two largest sizes per axis). The machines are shared,
// so absolute times are noisy; ratios measured in the same run, and CPU times, are what to compare.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { measure, medians, resourceNote } from './measure.mjs';
import { cfsslScript, opensslScript } from './peer-scripts.mjs';
import { scaleSpec } from './scale-spec.mjs';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const bin = path.join(root, 'dist/cli/main.js');
require('reflect-metadata');
const kubepki = require(path.join(root, 'dist/index.js'));

const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
const runs = Number(process.env.BENCH_RUNS ?? (quick ? 1 : 3));
const usersGrid = quick ? [100, 1000] : [10, 100, 1000];
const workersGrid = quick ? [50, 500] : [2, 50, 500];
const node = process.execPath;
const kube = (...args) => [node, [bin, ...args]];

const installed = (binary) => spawnSync('sh', ['-c', `command -v ${binary}`]).status === 0;
const cfsslMissing =
  installed('cfssl') && installed('cfssljson')
    ? undefined
    : 'cfssl or cfssljson is not installed (Debian: apt-get install golang-cfssl)';
const opensslMissing = installed('openssl') ? undefined : 'openssl is not installed';

const floorScript = (algorithm, count) => `
const { generateKeyPair } = require('node:crypto');
const [type, options] = ${JSON.stringify(algorithm.startsWith('RSA') ? ['rsa', { modulusLength: Number(algorithm.slice(4)) }] : ['ec', { namedCurve: 'P-256' }])};
Promise.all(Array.from({ length: ${count} }, () => new Promise((ok, fail) => generateKeyPair(type, options, (e, pub, priv) => (e ? fail(e) : ok(priv))))));
`;
const floor = (algorithm, count) => measure(node, ['-e', floorScript(algorithm, count)]);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kubepki-bench-'));
const fresh = (name) => {
  const dir = path.join(work, name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return dir;
};
const countFiles = (dir, suffix) => fs.readdirSync(dir).filter((f) => f.endsWith(suffix)).length;

/** Runs a peer script in a new directory and checks it made every certificate. */
function peerRun(make, plan, name, suffix) {
  const dir = fresh(name);
  const script = path.join(work, `${name}.sh`);
  fs.writeFileSync(script, make(plan, dir));
  const m = measure('bash', [script]);
  const made = countFiles(dir, suffix);
  if (made < plan.certificates.length)
    throw new Error(`${name}: ${made} certificates made, ${plan.certificates.length} planned`);
  return m;
}

const loadAtStart = os.loadavg()[0];
const ha = [];
const startup = {};
const grid = [];
try {
  // 1. The HA tree against the floor and the peers.
  for (const algorithm of ['RSA-2048', 'ECDSA-P256']) {
    const spec = path.join(work, `ha-${algorithm}.cluster.yaml`);
    fs.writeFileSync(
      spec,
      fs
        .readFileSync(path.join(root, 'stacks/ha.cluster.yaml'), 'utf8')
        .replace(/encryptionAlgorithm: \S+/, `encryptionAlgorithm: ${algorithm}`),
    );
    const plan = kubepki.planPki(kubepki.loadSpecFile(spec));
    const keys = plan.certificates.length + plan.keyPairs.length;
    const s = { floor: [], generate: [], noop: [], cfssl: [], openssl: [] };
    for (let i = 0; i < runs; i++) {
      // Interleaved, so drift in the machine's load hits every contender alike.
      s.floor.push(floor(algorithm, keys));
      const out = fresh(`ha-${algorithm}`);
      s.generate.push(measure(...kube('generate', spec, '--out', out, '--quiet')));
      s.noop.push(measure(...kube('generate', spec, '--out', out, '--quiet')));
      if (!cfsslMissing) s.cfssl.push(peerRun(cfsslScript, plan, `cfssl-${algorithm}`, '.pem'));
      if (!opensslMissing) s.openssl.push(peerRun(opensslScript, plan, `openssl-${algorithm}`, '.crt'));
    }
    ha.push({
      algorithm,
      keys,
      ...Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v.length ? medians(v) : undefined])),
    });
  }

  // 2. Start-up.
  const bare = [];
  const lab = [];
  for (let i = 0; i < runs * 3; i++) {
    bare.push(measure(node, ['-e', '0']));
    lab.push(measure(...kube('plan', path.join(root, 'stacks/lab.cluster.yaml'))));
  }
  startup.bare = medians(bare);
  startup.lab = medians(lab);

  // 3. The scaling points.
  for (const users of usersGrid) {
    for (const workers of workersGrid) {
      const spec = path.join(work, `scale-${users}-${workers}.cluster.yaml`);
      const plusOne = path.join(work, `scale-${users + 1}-${workers}.cluster.yaml`);
      fs.writeFileSync(spec, scaleSpec(users, workers));
      fs.writeFileSync(plusOne, scaleSpec(users + 1, workers));
      const plan = kubepki.planPki(kubepki.loadSpecFile(spec));
      const certificates = plan.certificates.length;
      const s = {};
      const add = (op, m) => (s[op] ??= []).push(m);
      for (let i = 0; i < runs; i++) {
        const out = fresh(`scale-${users}-${workers}`);
        add('keygen floor', floor('ECDSA-P256', certificates + plan.keyPairs.length));
        add('generate', measure(...kube('generate', spec, '--out', out, '--quiet')));
        add('no-op re-run', measure(...kube('generate', spec, '--out', out, '--quiet')));
        add('plan', measure(...kube('plan', spec)));
        add('verify --spec', measure(...kube('verify', out, '--spec', spec)));
        add('diff (+1 user)', measure(...kube('diff', spec, plusOne)));
        add('access', measure(...kube('access', spec)));
        add('access -o json', measure(...kube('access', spec, '--format', 'json')));
        add(
          'can-i',
          measure(...kube('can-i', spec, '--as', 'user:user1', 'create', 'deployments.apps', '-n', 'team1')),
        );
        add('expiry', measure(...kube('expiry', out)));
      }
      grid.push({
        users,
        workers,
        certificates,
        ops: Object.fromEntries(Object.entries(s).map(([op, v]) => [op, medians(v)])),
      });
      fs.rmSync(path.join(work, `scale-${users}-${workers}`), { recursive: true, force: true });
    }
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}

const sec = (x) => (x === undefined || Number.isNaN(x) ? '—' : `${x.toFixed(2)} s`);
const times = (a, b) => (a && b ? `${(a / b).toFixed(2)} ×` : '—');
const mb = (x) => (Number.isNaN(x) ? '—' : `${Math.round(x)} MB`);
const load = `load average ${loadAtStart.toFixed(1)} at the start, ${os.loadavg()[0].toFixed(1)} at the end`;

console.log(
  `kubepki bench${quick ? ' (quick)' : ''}: medians of ${runs} run(s), ${os.cpus().length} cores, Node ${process.version}, ${load}; ${resourceNote}`,
);
if (cfsslMissing) console.log(`cfssl skipped: ${cfsslMissing}`);
if (opensslMissing) console.log(`openssl skipped: ${opensslMissing}`);

console.log('\n### The HA tree (stacks/ha.cluster.yaml): wall time (CPU time), ratios measured in the same run\n');
console.log(
  '| algorithm | keys | kubepki `generate` | keygen floor | cfssl script | openssl script | kubepki ÷ floor | kubepki ÷ cfssl | kubepki ÷ openssl | no-op re-run |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|');
const both = (m) => (m ? `${sec(m.wall)} (${sec(m.cpu)})` : '—');
const ratio = (a, b) => (a && b ? `${times(a.wall, b.wall)} (${times(a.cpu, b.cpu)})` : '—');
for (const r of ha) {
  console.log(
    `| ${r.algorithm} | ${r.keys} | ${both(r.generate)} | ${both(r.floor)} | ${both(r.cfssl)} | ${both(r.openssl)} | ${ratio(r.generate, r.floor)} | ${ratio(r.generate, r.cfssl)} | ${ratio(r.generate, r.openssl)} | ${both(r.noop)} |`,
  );
}
console.log(
  `\nStart-up: bare \`node -e 0\` ${sec(startup.bare.wall)}, \`kubepki plan stacks/lab.cluster.yaml\` ${sec(startup.lab.wall)} (${times(startup.lab.wall, startup.bare.wall)} bare node; CPU ${sec(startup.lab.cpu)})`,
);

const ops = Object.keys(grid[0].ops);
const largest = grid.at(-1);
const at = (users, workers) => grid.find((g) => g.users === users && g.workers === workers);
// Growth exponent k in cost ∝ size^k, size = certificates in the plan, from CPU time between the two largest sizes of
// one axis with the other at its largest. Node start-up is included, so a linear verb shows k a little below 1.
const exponent = (op, a, b) =>
  a && b ? (Math.log(b.ops[op].cpu / a.ops[op].cpu) / Math.log(b.certificates / a.certificates)).toFixed(2) : '—';
const [u1, u2] = usersGrid.slice(-2);
const [w1, w2] = workersGrid.slice(-2);
const floorAt = largest.ops['keygen floor'];
console.log(
  `\n### Scaling: U=${largest.users} users, W=${largest.workers} workers (${largest.certificates} certificates), ECDSA-P256\n`,
);
console.log(
  `| operation | wall | CPU | peak RSS | wall ÷ keygen floor | exponent in U (${u1}→${u2}) | exponent in W (${w1}→${w2}) |`,
);
console.log('|---|---|---|---|---|---|---|');
for (const op of ops) {
  const m = largest.ops[op];
  console.log(
    `| ${op} | ${sec(m.wall)} | ${sec(m.cpu)} | ${mb(m.rssMb)} | ${op === 'keygen floor' ? '1' : times(m.wall, floorAt.wall)} | ${exponent(op, at(u1, w2), at(u2, w2))} | ${exponent(op, at(u2, w1), at(u2, w2))} |`,
  );
}
console.log('\nCPU time (user + system) at every point, U × W:\n');
console.log(`| operation | ${grid.map((g) => `${g.users} × ${g.workers}`).join(' | ')} |`);
console.log(`|---|${grid.map(() => '---').join('|')}|`);
for (const op of ops) console.log(`| ${op} | ${grid.map((g) => sec(g.ops[op].cpu).replace(' s', '')).join(' | ')} |`);
console.log(
  `\nPeak RSS, MB: ${ops.map((op) => `${op} ${Math.round(Math.max(...grid.map((g) => g.ops[op].rssMb)))}`).join(', ')}`,
);
