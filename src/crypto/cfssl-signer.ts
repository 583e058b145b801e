import { createHmac } from 'node:crypto';
import type { CertificateContent, CertificateProfileName, ExtendedKeyUsage, KeyHolder, KeyUsage } from '../vocabulary';

/** What cfssl's config needs of a planned certificate. */
export type CfsslSignedCertificate = Pick<
  CertificateContent,
  'isCa' | 'keyUsages' | 'extendedKeyUsages' | 'validityHours'
> & {
  profile: CertificateProfileName;
  signedBy: KeyHolder;
};
import type { CertificateSigner, SignRequest } from './certificate-signer';
import { ParsedCertificate } from './parsed-certificate';

/** The environment variable holding cfssl's auth key (hex, as in cfssl's `auth_keys`): never an argument. */
export const cfsslAuthKeyVariable = 'KUBEPKI_CFSSL_AUTH_KEY';

/** cfssl's response envelope. */
interface CfsslResponse<T> {
  success: boolean;
  result?: T;
  errors?: { code: number; message: string }[];
}

/** Time allowed for one request to the CA server. */
const requestTimeoutMs = 30_000;

/**
 * A CA held by a cfssl server (`cfssl serve` / `multirootca`): kubepki sends each certificate's CSR, SANs, subject and
 * validity to the authenticated remote-signing endpoint `/api/v1/cfssl/authsign` (HMAC-SHA256 of the request with the
 * shared auth key) and gets the certificate back. The CA key never leaves cfssl. cfssl's signing profile decides the
 * usages and validity: kubepki names one profile per kubepki profile and validity, which the server's config defines
 * (`kubepki cfssl-config` prints it, see cfsslSigningConfig).
 */
export class CfsslSigner implements CertificateSigner {
  readonly holder = 'cfssl' as const;
  private certificate: ParsedCertificate | undefined;

  constructor(
    private readonly endpoint: URL,
    private readonly authKey: Buffer,
    /** multirootca's signer label; cfssl serve has one CA and no label. */
    private readonly label: string | undefined,
  ) {}

  /** `cfssl:http://127.0.0.1:8888[?label=ca]`; the auth key comes from KUBEPKI_CFSSL_AUTH_KEY. */
  static fromUri(uri: string, env: NodeJS.ProcessEnv): CfsslSigner {
    let url: URL;
    try {
      url = new URL(uri.slice('cfssl:'.length));
    } catch {
      throw new Error(
        `${JSON.stringify(uri)} is not cfssl:<http(s) URL of the cfssl server>, e.g. cfssl:http://127.0.0.1:8888`,
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new Error(`${JSON.stringify(uri)}: the cfssl server URL must be http: or https:`);
    const key = env[cfsslAuthKeyVariable];
    if (!key || !/^([0-9a-fA-F]{2})+$/.test(key)) {
      throw new Error(
        `${cfsslAuthKeyVariable} must hold the hex auth key of the cfssl server's signing profiles (its config's auth_keys)`,
      );
    }
    const label = url.searchParams.get('label') ?? undefined;
    url.search = '';
    return new CfsslSigner(url, Buffer.from(key, 'hex'), label);
  }

  async caCertificate(
    _template: CertificateContent,
    _existing: ParsedCertificate | undefined,
  ): Promise<ParsedCertificate> {
    const result = await this.call<{ certificate: string }>('info', { label: this.label ?? '', profile: '' });
    this.certificate = ParsedCertificate.fromPem(result.certificate);
    if (!this.certificate.isCa) throw new Error('the certificate cfssl serves is not a CA certificate');
    return this.certificate;
  }

  async sign(request: SignRequest): Promise<ParsedCertificate> {
    const { template } = request;
    const hosts = [...template.dnsNames, ...template.ipAddresses];
    const csr = await request.subject.certificationRequest();
    const signRequest = {
      // cfssl copies SANs from `hosts` (or, when absent, from the CSR); clients have none.
      ...(hosts.length > 0 ? { hosts } : {}),
      // `certificate_request` is what cfssl's sign handlers read (Debian's 1.2 too); `request` is SignRequest's own name.
      certificate_request: csr,
      request: csr,
      profile: cfsslProfileName(request.profile, template.validityHours),
      ...(this.label ? { label: this.label } : {}),
      // The subject is kubepki's, never the CSR's: the spec decides the CN and the groups.
      subject: { CN: template.commonName, names: template.organizations.map((O) => ({ O })) },
    };
    const body = Buffer.from(JSON.stringify(signRequest));
    const token = createHmac('sha256', this.authKey).update(body).digest();
    const result = await this.call<{ certificate: string }>('authsign', {
      token: token.toString('base64'),
      request: body.toString('base64'),
    });
    return ParsedCertificate.fromPem(result.certificate);
  }

  private async call<T>(endpoint: string, payload: unknown): Promise<T> {
    const url = new URL(
      `api/v1/cfssl/${endpoint}`,
      this.endpoint.href.endsWith('/') ? this.endpoint : new URL(`${this.endpoint.href}/`),
    );
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
    } catch (error) {
      throw new Error(`cannot reach cfssl at ${url.origin} (${(error as Error).message})`, { cause: error });
    }
    let parsed: CfsslResponse<T>;
    try {
      parsed = (await response.json()) as CfsslResponse<T>;
    } catch {
      throw new Error(`cfssl at ${url.origin} answered ${response.status} without a JSON body`);
    }
    if (!parsed.success || !parsed.result) {
      throw new Error(
        `cfssl ${endpoint} refused (${response.status}): ${(parsed.errors ?? []).map((e) => `${e.message} (code ${e.code})`).join('; ') || 'no reason given'}`,
      );
    }
    return parsed.result;
  }
}

/** The cfssl signing profile kubepki asks for: cfssl takes usages and validity from the profile, not the request. */
export function cfsslProfileName(profile: CertificateProfileName, validityHours: number): string {
  return `kubepki-${profile}-${validityHours}h`;
}

const cfsslUsageNames: Record<KeyUsage | ExtendedKeyUsage, string> = {
  digitalSignature: 'digital signature',
  keyEncipherment: 'key encipherment',
  keyCertSign: 'cert sign',
  serverAuth: 'server auth',
  clientAuth: 'client auth',
};

/**
 * The cfssl config (`cfssl serve -config`) for the certificates a plan has cfssl sign: one signing profile per kubepki
 * profile and validity, with the plan's usages, each requiring the auth key `kubepki` (cfssl's `standard` HMAC key).
 */
export function cfsslSigningConfig(
  certificates: readonly CfsslSignedCertificate[],
  authKeyHex: string,
): Record<string, unknown> {
  const profiles: Record<string, unknown> = {};
  for (const c of certificates) {
    if (c.isCa || c.signedBy !== 'cfssl') continue;
    profiles[cfsslProfileName(c.profile, c.validityHours)] = {
      usages: [...c.keyUsages, ...c.extendedKeyUsages].map((u) => cfsslUsageNames[u]),
      expiry: `${c.validityHours}h`,
      auth_key: 'kubepki',
    };
  }
  return {
    signing: { default: { usages: ['digital signature'], expiry: '1h', auth_key: 'kubepki' }, profiles },
    auth_keys: { kubepki: { type: 'standard', key: authKeyHex } },
  };
}
