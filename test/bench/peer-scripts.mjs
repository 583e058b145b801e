// Shell scripts that make the certificates of a plan with cfssl and with openssl, as an operator would script it:
// the CAs first, then every leaf and the bare key pairs, one process per file, as many at once as there are cores.
import * as fs from 'node:fs';
import * as path from 'node:path';

const fileName = (id) => id.replace(/[^A-Za-z0-9.-]/g, '_');
const days = (hours) => Math.max(1, Math.round(hours / 24));
const quote = (s) => `'${s.replace(/'/g, `'\\''`)}'`;

// Leaves run through xargs so both tools get the same parallelism kubepki gets from its thread pool.
function script(caCommands, leafCommands, dir) {
  fs.writeFileSync(path.join(dir, 'leaves.txt'), `${leafCommands.join('\n')}\n`);
  return [
    'set -e',
    `cd ${quote(dir)}`,
    ...caCommands.map((c) => `${c} &`),
    'wait',
    `xargs -P "$(nproc)" -d '\\n' -n 1 sh -c < leaves.txt`,
    '',
  ].join('\n');
}

const cfsslUsages = {
  ca: ['cert sign', 'crl sign', 'digital signature', 'key encipherment'],
  server: ['digital signature', 'key encipherment', 'server auth'],
  client: ['digital signature', 'key encipherment', 'client auth'],
  'server-client': ['digital signature', 'key encipherment', 'server auth', 'client auth'],
};

/** A cfssl script (`cfssl genkey -initca`, `cfssl gencert`, `cfssljson -bare`) for the plan's certificates and keys. */
export function cfsslScript(plan, dir) {
  const key = (algorithm) =>
    algorithm.startsWith('RSA') ? { algo: 'rsa', size: Number(algorithm.slice(4)) } : { algo: 'ecdsa', size: 256 };
  const csr = (c) => ({
    CN: c.subject.commonName,
    ...(c.subject.organizations.length ? { names: c.subject.organizations.map((O) => ({ O })) } : {}),
    hosts: [...c.sans.dnsNames, ...c.sans.ipAddresses],
    key: key(c.algorithm),
    ...(c.isCa ? { ca: { expiry: `${c.validityHours}h` } } : {}),
  });
  const profiles = {};
  for (const c of plan.certificates)
    if (!c.isCa)
      profiles[`${c.profile}-${c.validityHours}`] = {
        usages: cfsslUsages[c.profile] ?? cfsslUsages.client,
        expiry: `${c.validityHours}h`,
      };
  fs.writeFileSync(
    path.join(dir, 'config.json'),
    JSON.stringify({ signing: { default: { expiry: '8760h' }, profiles } }),
  );
  const cas = [];
  const leaves = [];
  for (const c of plan.certificates) {
    const name = fileName(c.id);
    fs.writeFileSync(path.join(dir, `${name}-csr.json`), JSON.stringify(csr(c)));
    if (c.isCa) cas.push(`cfssl genkey -initca ${name}-csr.json | cfssljson -bare ${name}`);
    else
      leaves.push(
        `cfssl gencert -ca ${fileName(c.issuer)}.pem -ca-key ${fileName(c.issuer)}-key.pem -config config.json -profile ${c.profile}-${c.validityHours} ${name}-csr.json | cfssljson -bare ${name}`,
      );
  }
  for (const k of plan.keyPairs) {
    fs.writeFileSync(path.join(dir, `${k.id}-csr.json`), JSON.stringify({ CN: k.id, key: key(k.algorithm) }));
    leaves.push(`cfssl genkey ${k.id}-csr.json | cfssljson -bare ${k.id}`);
  }
  return script(cas, leaves, dir);
}

const opensslUsages = {
  ca: 'critical,digitalSignature,keyEncipherment,keyCertSign',
  server: 'critical,digitalSignature,keyEncipherment',
  client: 'critical,digitalSignature,keyEncipherment',
  'server-client': 'critical,digitalSignature,keyEncipherment',
};
const opensslExtended = { server: 'serverAuth', client: 'clientAuth', 'server-client': 'serverAuth,clientAuth' };

/** An openssl 3 script (`openssl req -x509 [-CA]`, `openssl genpkey`) for the plan's certificates and keys. */
export function opensslScript(plan, dir) {
  fs.writeFileSync(path.join(dir, 'req.cnf'), '[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = placeholder\n');
  const newKey = (algorithm) =>
    algorithm.startsWith('RSA') ? `-newkey rsa:${algorithm.slice(4)}` : '-newkey ec -pkeyopt ec_paramgen_curve:P-256';
  const cas = [];
  const leaves = [];
  for (const c of plan.certificates) {
    const name = fileName(c.id);
    const subject = `/CN=${c.subject.commonName}${c.subject.organizations.map((o) => `/O=${o}`).join('')}`;
    const sans = [...c.sans.dnsNames.map((d) => `DNS:${d}`), ...c.sans.ipAddresses.map((i) => `IP:${i}`)];
    const ext = [
      ...(c.isCa ? ['basicConstraints=critical,CA:TRUE'] : []),
      `keyUsage=${opensslUsages[c.profile] ?? opensslUsages.client}`,
      ...(opensslExtended[c.profile] ? [`extendedKeyUsage=${opensslExtended[c.profile]}`] : []),
      ...(sans.length ? [`subjectAltName=${sans.join(',')}`] : []),
    ].map((e) => `-addext ${quote(e)}`);
    const signer = c.isCa ? '' : `-CA ${fileName(c.issuer)}.crt -CAkey ${fileName(c.issuer)}.key`;
    const command = `openssl req -config req.cnf -x509 -new ${newKey(c.algorithm)} -nodes -keyout ${name}.key -out ${name}.crt -subj ${quote(subject)} -days ${days(c.validityHours)} ${signer} ${ext.join(' ')}`;
    (c.isCa ? cas : leaves).push(command);
  }
  for (const k of plan.keyPairs) {
    const algorithm = k.algorithm.startsWith('RSA')
      ? `-algorithm RSA -pkeyopt rsa_keygen_bits:${k.algorithm.slice(4)}`
      : '-algorithm EC -pkeyopt ec_paramgen_curve:P-256';
    leaves.push(`openssl genpkey ${algorithm} -out ${k.id}.key`);
  }
  return script(cas, leaves, dir);
}
