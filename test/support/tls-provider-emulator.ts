import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  webcrypto,
  type KeyObject,
} from 'node:crypto';
import * as x509 from '@peculiar/x509';

// A test-only emulator of the Pulumi resources kubepki's component creates, for pulumi.runtime.setMocks: it does
// real crypto following terraform-provider-tls's documented semantics, writes @pulumi/local files for real, and runs
// Pulumi dynamic providers from their serialized form, as Pulumi's dynamic-provider host does. It deliberately does
// not import kubepki's plan→tls mapping (or any of src/): it is the independent side of the comparison.

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

type Inputs = Record<string, any>;

/** One registration as the mock saw it, after secrets were unwrapped. */
export interface RecordedResource {
  type: string;
  name: string;
  inputs: Inputs;
}

// Pulumi's wire encoding of a secret inside mock inputs.
const secretSignature = '4dabf18193072939515e22adb298388d';
const secretValue = '1b47061264138c4ac30d75fd1eb44270';

export function unwrapSecrets(value: any): any {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value && typeof value === 'object') {
    if (value[secretSignature] === secretValue) return unwrapSecrets(value.value);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

// The provider's allowed_uses vocabulary (terraform-provider-tls internal/provider/common_cert.go).
const keyUsageBits: Record<string, x509.KeyUsageFlags> = {
  digital_signature: x509.KeyUsageFlags.digitalSignature,
  content_commitment: x509.KeyUsageFlags.nonRepudiation,
  key_encipherment: x509.KeyUsageFlags.keyEncipherment,
  data_encipherment: x509.KeyUsageFlags.dataEncipherment,
  key_agreement: x509.KeyUsageFlags.keyAgreement,
  cert_signing: x509.KeyUsageFlags.keyCertSign,
  crl_signing: x509.KeyUsageFlags.cRLSign,
  encipher_only: x509.KeyUsageFlags.encipherOnly,
  decipher_only: x509.KeyUsageFlags.decipherOnly,
};
const extKeyUsageOids: Record<string, string> = {
  any_extended: '2.5.29.37.0',
  server_auth: '1.3.6.1.5.5.7.3.1',
  client_auth: '1.3.6.1.5.5.7.3.2',
  code_signing: '1.3.6.1.5.5.7.3.3',
  email_protection: '1.3.6.1.5.5.7.3.4',
  timestamping: '1.3.6.1.5.5.7.3.8',
  ocsp_signing: '1.3.6.1.5.5.7.3.9',
};

function importable(key: KeyObject): {
  params: RsaHashedImportParams | EcKeyImportParams;
  sign: Algorithm | EcdsaParams;
} {
  if (key.asymmetricKeyType === 'rsa')
    return {
      params: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      sign: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as Algorithm,
    };
  const curve = key.asymmetricKeyDetails?.namedCurve;
  const namedCurve =
    curve === 'prime256v1' ? 'P-256' : curve === 'secp384r1' ? 'P-384' : curve === 'secp521r1' ? 'P-521' : undefined;
  if (!namedCurve) throw new Error(`emulator: curve ${curve} cannot sign through WebCrypto`);
  // The provider (Go) signs ECDSA with SHA-256 for P-256 and SHA-384 for P-384 and up.
  return {
    params: { name: 'ECDSA', namedCurve },
    sign: { name: 'ECDSA', hash: namedCurve === 'P-256' ? 'SHA-256' : 'SHA-384' } as EcdsaParams,
  };
}

async function privateCryptoKey(
  pem: string,
): Promise<{ key: CryptoKey; publicKey: CryptoKey; sign: Algorithm | EcdsaParams }> {
  const keyObject = createPrivateKey(pem);
  const { params, sign } = importable(keyObject);
  const key = await webcrypto.subtle.importKey(
    'pkcs8',
    keyObject.export({ format: 'der', type: 'pkcs8' }),
    params,
    true,
    ['sign'],
  );
  const publicKey = await webcrypto.subtle.importKey(
    'spki',
    createPublicKey(keyObject).export({ format: 'der', type: 'spki' }),
    params,
    true,
    ['verify'],
  );
  return { key, publicKey, sign };
}

function subjectName(subject: Inputs | undefined): x509.JsonName {
  // The provider's subject block: the attributes it has, in Go's pkix.Name order (O before CN).
  const s = subject ?? {};
  const name: x509.JsonName = [];
  if (s.country) name.push({ C: [s.country] });
  if (s.organization) name.push({ O: [s.organization] });
  if (s.organizationalUnit) name.push({ OU: [s.organizationalUnit] });
  if (s.locality) name.push({ L: [s.locality] });
  if (s.province) name.push({ ST: [s.province] });
  if (s.commonName) name.push({ CN: [s.commonName] });
  return name;
}

function certificateExtensions(inputs: Inputs): x509.Extension[] {
  const uses: string[] = inputs.allowedUses ?? [];
  const unknown = uses.filter((u) => !(u in keyUsageBits) && !(u in extKeyUsageOids));
  if (unknown.length > 0)
    throw new Error(`emulator: allowed_uses ${unknown.join(', ')} is not a value terraform-provider-tls accepts`);
  const bits = uses.filter((u) => u in keyUsageBits).reduce((acc, u) => acc | keyUsageBits[u]!, 0);
  const ekus = uses.filter((u) => u in extKeyUsageOids).map((u) => extKeyUsageOids[u]!);
  const isCa = inputs.isCaCertificate ?? false;
  const extensions: x509.Extension[] = [new x509.BasicConstraintsExtension(isCa, undefined, true)];
  if (bits) extensions.push(new x509.KeyUsagesExtension(bits, true));
  if (ekus.length) extensions.push(new x509.ExtendedKeyUsageExtension(ekus, false));
  return extensions;
}

function validity(inputs: Inputs): { notBefore: Date; notAfter: Date } {
  const notBefore = new Date();
  return { notBefore, notAfter: new Date(notBefore.getTime() + Number(inputs.validityPeriodHours) * 3600_000) };
}

const serial = () => {
  const b = randomBytes(16);
  b[0] = (b[0]! & 0x7f) | 1;
  return b.toString('hex');
};

function certificateOutputs(inputs: Inputs, pem: string, notBefore: Date, notAfter: Date): Inputs {
  const early = Number(inputs.earlyRenewalHours ?? 0);
  return {
    ...inputs,
    earlyRenewalHours: early,
    certPem: pem,
    validityStartTime: notBefore.toISOString(),
    validityEndTime: notAfter.toISOString(),
    readyForRenewal: Date.now() >= notAfter.getTime() - early * 3600_000,
  };
}

async function createPrivateKeyResource(inputs: Inputs): Promise<Inputs> {
  const algorithm = inputs.algorithm;
  let privateKey: KeyObject;
  if (algorithm === 'RSA') {
    privateKey = generateKeyPairSync('rsa', { modulusLength: Number(inputs.rsaBits ?? 2048) }).privateKey;
  } else if (algorithm === 'ECDSA') {
    // The provider's default curve is P224: kubepki must always set it.
    const curve = inputs.ecdsaCurve ?? 'P224';
    const namedCurve = { P224: 'secp224r1', P256: 'prime256v1', P384: 'secp384r1', P521: 'secp521r1' }[curve as 'P224'];
    if (!namedCurve) throw new Error(`emulator: ecdsa_curve ${curve} is not P224, P256, P384 or P521`);
    privateKey = generateKeyPairSync('ec', { namedCurve }).privateKey;
  } else {
    throw new Error(`emulator: algorithm ${algorithm} not emulated`);
  }
  const publicKey = createPublicKey(privateKey);
  return {
    ...inputs,
    ecdsaCurve: inputs.ecdsaCurve ?? (algorithm === 'ECDSA' ? 'P224' : undefined),
    rsaBits: inputs.rsaBits ?? 2048,
    privateKeyPem: privateKey.export({ format: 'pem', type: algorithm === 'RSA' ? 'pkcs1' : 'sec1' }),
    privateKeyPemPkcs8: privateKey.export({ format: 'pem', type: 'pkcs8' }),
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }),
    publicKeyFingerprintSha256: createHash('sha256')
      .update(publicKey.export({ format: 'der', type: 'spki' }))
      .digest('base64'),
  };
}

async function createSelfSignedCert(inputs: Inputs): Promise<Inputs> {
  const { key, publicKey, sign } = await privateCryptoKey(inputs.privateKeyPem);
  const { notBefore, notAfter } = validity(inputs);
  const extensions = certificateExtensions(inputs);
  const names = [
    ...(inputs.dnsNames ?? []).map((value: string) => ({ type: 'dns', value })),
    ...(inputs.ipAddresses ?? []).map((value: string) => ({ type: 'ip', value })),
  ];
  if (names.length) extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
  // is_ca_certificate or set_subject_key_id: the provider adds a subject key identifier.
  if (inputs.isCaCertificate || inputs.setSubjectKeyId)
    extensions.push(await x509.SubjectKeyIdentifierExtension.create(publicKey));
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: subjectName(inputs.subject),
    notBefore,
    notAfter,
    signingAlgorithm: sign,
    keys: { privateKey: key, publicKey },
    extensions,
  });
  return certificateOutputs(inputs, cert.toString('pem'), notBefore, notAfter);
}

async function createCertRequest(inputs: Inputs): Promise<Inputs> {
  const { key, publicKey, sign } = await privateCryptoKey(inputs.privateKeyPem);
  const names = [
    ...(inputs.dnsNames ?? []).map((value: string) => ({ type: 'dns', value })),
    ...(inputs.ipAddresses ?? []).map((value: string) => ({ type: 'ip', value })),
  ];
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subjectName(inputs.subject),
    keys: { privateKey: key, publicKey },
    signingAlgorithm: sign,
    extensions: names.length ? [new x509.SubjectAlternativeNameExtension(names, false)] : [],
  });
  return { ...inputs, certRequestPem: csr.toString('pem') };
}

async function createLocallySignedCert(inputs: Inputs): Promise<Inputs> {
  const csr = new x509.Pkcs10CertificateRequest(inputs.certRequestPem);
  if (!(await csr.verify())) throw new Error('emulator: the CSR signature does not verify');
  const ca = new x509.X509Certificate(inputs.caCertPem);
  const signer = await privateCryptoKey(inputs.caPrivateKeyPem);
  const { notBefore, notAfter } = validity(inputs);
  const extensions = certificateExtensions(inputs);
  // Subject and SANs are copied from the request.
  // The request's extensions come back untyped from its extensionRequest attribute: re-read the SAN by OID.
  const requested = csr.extensions.find((e) => e.type === '2.5.29.17');
  if (requested)
    extensions.push(
      new x509.SubjectAlternativeNameExtension(
        new x509.SubjectAlternativeNameExtension(requested.rawData).names.toJSON(),
        false,
      ),
    );
  if (inputs.isCaCertificate || inputs.setSubjectKeyId)
    extensions.push(await x509.SubjectKeyIdentifierExtension.create(await csr.publicKey.export()));
  const caSki = ca.getExtension(x509.SubjectKeyIdentifierExtension);
  if (caSki) extensions.push(new x509.AuthorityKeyIdentifierExtension(caSki.keyId, false));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: csr.subjectName,
    issuer: ca.subjectName,
    notBefore,
    notAfter,
    signingAlgorithm: signer.sign,
    publicKey: csr.publicKey,
    signingKey: signer.key,
    extensions,
  });
  return certificateOutputs(inputs, cert.toString('pem'), notBefore, notAfter);
}

function writeLocalFile(inputs: Inputs): Inputs {
  // terraform-provider-local: create parent directories with directory_permission, write with file_permission.
  const directoryMode = parseInt(inputs.directoryPermission ?? '0777', 8);
  const fileMode = parseInt(inputs.filePermission ?? '0777', 8);
  fs.mkdirSync(path.dirname(inputs.filename), { recursive: true, mode: directoryMode });
  fs.writeFileSync(inputs.filename, inputs.content ?? '', { mode: fileMode });
  fs.chmodSync(inputs.filename, fileMode);
  const content = String(inputs.content ?? '');
  return { ...inputs, contentSha256: createHash('sha256').update(content).digest('hex') };
}

async function runDynamicProvider(inputs: Inputs): Promise<{ id: string; state: Inputs }> {
  // What Pulumi's dynamic-provider host does: load the serialized provider module and call create().
  const requireFromString = require('require-from-string') as (code: string) => { handler: () => any };
  const provider = requireFromString(inputs.__provider).handler();
  const { __provider, ...props } = inputs;
  const result = await provider.create(props);
  return { id: result.id, state: { __provider, ...result.outs } };
}

const creators: Record<string, (inputs: Inputs) => Promise<Inputs> | Inputs> = {
  'tls:index/privateKey:PrivateKey': createPrivateKeyResource,
  'tls:index/selfSignedCert:SelfSignedCert': createSelfSignedCert,
  'tls:index/certRequest:CertRequest': createCertRequest,
  'tls:index/locallySignedCert:LocallySignedCert': createLocallySignedCert,
  'local:index/file:File': writeLocalFile,
  'local:index/sensitiveFile:SensitiveFile': writeLocalFile,
};

/**
 * Mocks that behave like the providers, with state: a resource registered again with the same type, name and
 * inputs gets its previous outputs back (as `pulumi up` keeps an unchanged resource), so keys survive re-runs.
 */
export class TlsProviderEmulator {
  readonly recorded: RecordedResource[] = [];
  private readonly state = new Map<string, { inputs: string; id: string; outputs: Inputs }>();

  /** Starts a new run (a new `pulumi up`); state carries over, the record starts empty. */
  newRun(): void {
    this.recorded.length = 0;
  }

  mocks() {
    return {
      newResource: async (args: {
        type: string;
        name: string;
        inputs: any;
      }): Promise<{ id: string; state: Inputs }> => {
        const inputs = unwrapSecrets(args.inputs) as Inputs;
        this.recorded.push({ type: args.type, name: args.name, inputs });
        const key = `${args.type}::${args.name}`;
        const serialized = JSON.stringify(inputs);
        const previous = this.state.get(key);
        if (previous && previous.inputs === serialized && !previous.outputs.readyForRenewal)
          return { id: previous.id, state: previous.outputs };
        let id = `${args.name}-id`;
        let outputs: Inputs;
        if (args.type.startsWith('pulumi-nodejs:dynamic')) {
          ({ id, state: outputs } = await runDynamicProvider(inputs));
        } else {
          const create = creators[args.type];
          outputs = create ? await create(inputs) : inputs; // Kubernetes objects and anything else: state = inputs.
        }
        this.state.set(key, { inputs: serialized, id, outputs });
        return { id, state: outputs };
      },
      call: (args: { token: string; inputs: any }) => unwrapSecrets(args.inputs),
    };
  }
}

/** The outputs the emulated provider's create returns for one resource of `type` (tls or local); undefined for others. */
export async function emulateCreate(type: string, inputs: Inputs): Promise<Inputs | undefined> {
  const create = creators[type];
  return create ? create(inputs) : undefined;
}
