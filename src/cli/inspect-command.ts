import * as fs from 'node:fs';
import { certificateFacts, inspectPem, jwtFacts, type InspectedMaterial, type InspectedRequest } from '../crypto';
import { parseKubeconfig } from '../outputs';
import { exitCodes, UsageError, type CliIo } from './cli-io';
import { outputFormatOf, parseVerbArgs } from './parse-verb-args';
import { renderYaml } from './render-yaml';
import { verbNamed } from './verbs';

/** A kubeconfig's current context, its cluster's CA and its user's credential, as public facts (no key). */
interface InspectedKubeconfig {
  type: 'kubeconfig';
  currentContext: string;
  contexts: { name: string; cluster: string; user: string; namespace?: string }[];
  server: string;
  certificateAuthority?: InspectedMaterial;
  clientCertificate?: InspectedMaterial;
  clientKey: 'embedded' | 'none';
  token?: InspectedMaterial;
}

type Inspected = InspectedMaterial | InspectedKubeconfig;

async function inspectText(text: string, now: Date): Promise<Inspected[]> {
  if (text.includes('-----BEGIN ')) return inspectPem(text, now);
  const trimmed = text.trim();
  if (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(trimmed)) return [jwtFacts(trimmed, now)];
  if (/^kind:\s*"?Config"?\s*$/m.test(text) || /"kind"\s*:\s*"Config"/.test(text)) {
    const k = parseKubeconfig(text);
    const token = k.token;
    return [
      {
        type: 'kubeconfig',
        currentContext: k.currentContext,
        contexts: k.contexts,
        server: k.server,
        ...(k.caCertificatePem ? { certificateAuthority: certificateFacts(k.caCertificatePem, now) } : {}),
        ...(k.clientCertificatePem ? { clientCertificate: certificateFacts(k.clientCertificatePem, now) } : {}),
        clientKey: k.clientKeyPem ? 'embedded' : 'none',
        ...(token && token.split('.').length === 3 ? { token: jwtFacts(token, now) } : {}),
      },
    ];
  }
  throw new Error('is not a certificate, certificate request, key, kubeconfig or JWT');
}

const days = (seconds: number) =>
  seconds < 0 ? `expired ${Math.ceil(-seconds / 86400)} days ago` : `expires in ${Math.floor(seconds / 86400)} days`;

type Line = (label: string, value: string | undefined) => string[];

/** What an outside CA must copy from a CSR into the certificate, as `openssl req -text` lists its extensions. */
function requestedExtensionLines(item: InspectedRequest, line: Line): string[] {
  const critical = (name: string) =>
    item.requestedExtensions.some((e) => e.name === name && e.critical) ? ' (critical)' : '';
  const basic = item.basicConstraints;
  return [
    ...line('  Extensions:', item.requestedExtensions.map((e) => e.name).join(', ') || 'none requested'),
    ...line('    Key usage:', item.keyUsages.length ? `${item.keyUsages.join(', ')}${critical('keyUsage')}` : ''),
    ...line(
      '    Extended usage:',
      item.extendedKeyUsages.length ? `${item.extendedKeyUsages.join(', ')}${critical('extendedKeyUsage')}` : '',
    ),
    ...line(
      '    Basic constraints:',
      basic
        ? `CA:${basic.ca ? 'TRUE' : 'FALSE'}${basic.pathLength !== undefined ? `, pathlen:${basic.pathLength}` : ''}${critical('basicConstraints')}`
        : '',
    ),
  ];
}

function textOf(item: Inspected, indent = ''): string[] {
  const line: Line = (label, value) =>
    value === undefined || value === '' ? [] : [`${indent}${label.padEnd(24)}${value}`];
  switch (item.type) {
    case 'certificate':
      return [
        `${indent}Certificate${item.isCa ? ' (CA)' : ''}`,
        ...line('  Subject:', item.subject.replace(/\n/g, ', ')),
        ...line('  Issuer:', item.selfSigned ? 'self-signed' : item.issuer.replace(/\n/g, ', ')),
        ...line('  Serial:', item.serialNumber),
        ...line('  Not before:', item.notBefore),
        ...line('  Not after:', `${item.notAfter} (${days(item.expiresInSeconds)})`),
        ...line('  Key:', item.key),
        ...line('  Key usage:', item.keyUsages.join(', ')),
        ...line('  Extended usage:', item.extendedKeyUsages.join(', ')),
        ...line('  DNS names:', item.dnsNames.join(', ')),
        ...line('  IP addresses:', item.ipAddresses.join(', ')),
        ...line('  SHA-256:', item.sha256Fingerprint),
        ...line('  Public key SHA-256:', item.publicKeySha256),
      ];
    case 'certificate-request':
      return [
        `${indent}Certificate request (signature ${item.signatureValid ? 'valid' : 'INVALID'})`,
        ...line('  Subject:', item.subject),
        ...line('  Key:', item.key),
        ...line('  DNS names:', item.dnsNames.join(', ')),
        ...line('  IP addresses:', item.ipAddresses.join(', ')),
        ...requestedExtensionLines(item, line),
        ...line('  Public key SHA-256:', item.publicKeySha256),
      ];
    case 'private-key':
    case 'public-key':
      return [
        `${indent}${item.type === 'private-key' ? 'Private key (public facts only)' : 'Public key'}`,
        ...line('  Key:', item.key),
        ...line('  Public key SHA-256:', item.publicKeySha256),
      ];
    case 'jwt':
      return [
        `${indent}JWT (signature not checked: kubepki token verify checks it against sa.pub)`,
        ...line('  Algorithm:', typeof item.header.alg === 'string' ? item.header.alg : ''),
        ...line('  Key id:', typeof item.header.kid === 'string' ? item.header.kid : ''),
        ...Object.entries(item.claims).flatMap(([k, v]) =>
          line(`  ${k}:`, typeof v === 'string' ? v : JSON.stringify(v)),
        ),
        ...line('  Expires:', item.expiresAt ? `${item.expiresAt}${item.expired ? ' (EXPIRED)' : ''}` : undefined),
      ];
    case 'kubeconfig':
      return [
        `${indent}Kubeconfig`,
        ...line('  Current context:', item.currentContext),
        ...line(
          '  Contexts:',
          item.contexts.map((c) => `${c.name}${c.namespace ? ` (namespace ${c.namespace})` : ''}`).join(', '),
        ),
        ...line('  Server:', item.server),
        ...line('  Client key:', item.clientKey === 'embedded' ? 'embedded (not shown)' : undefined),
        ...(item.clientCertificate
          ? [`${indent}  User certificate:`, ...textOf(item.clientCertificate, `${indent}    `).slice(1)]
          : []),
        ...(item.token ? [`${indent}  User token:`, ...textOf(item.token, `${indent}    `).slice(1)] : []),
        ...(item.certificateAuthority
          ? [`${indent}  Cluster CA:`, ...textOf(item.certificateAuthority, `${indent}    `).slice(1)]
          : []),
      ];
  }
}

/** `kubepki inspect <file|->`: what a certificate, request, key, kubeconfig or JWT says, never a private component. */
export async function inspectCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseVerbArgs(verbNamed('inspect')!, args);
  if (positionals.length !== 1) throw new UsageError('expected one file, or - for standard input');
  const format = outputFormatOf(values, ['text', 'json', 'yaml'] as const, 'text');
  const file = positionals[0]!;
  let text: string;
  try {
    text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    );
  }
  let items: Inspected[];
  try {
    items = await inspectText(text, new Date());
  } catch (error) {
    throw new UsageError(`${file === '-' ? 'standard input' : file} ${(error as Error).message}`);
  }
  if (format === 'json') io.stdout(JSON.stringify(items.length === 1 ? items[0] : items, null, 2));
  else if (format === 'yaml') io.stdout(renderYaml(items.length === 1 ? items[0] : items));
  else io.stdout(items.map((i) => textOf(i).join('\n')).join('\n\n'));
  return exitCodes.ok;
}
