import { createHash, createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import type { KeyPair } from './key-pair';
import { keyAlgorithmOf } from './key-algorithms';

/** What to put in a service-account token, as kube-apiserver's TokenRequest does. */
export interface ServiceAccountTokenRequest {
  namespace: string;
  name: string;
  /** The ServiceAccount's metadata.uid. kube-apiserver rejects a token whose UID claim differs from the live object's. */
  uid?: string;
  /** kube-apiserver's default --api-audiences is the issuer. */
  audiences: string[];
  /** kubeadm's default --service-account-issuer is https://kubernetes.default.svc.<dnsDomain>. */
  issuer: string;
  expiresInSeconds: number;
  now: Date;
}

/** The outcome of checking a token as kube-apiserver's service-account authenticator would. */
export type TokenReview =
  | {
      authenticated: true;
      user: string;
      groups: string[];
      uid?: string;
      namespace: string;
      name: string;
      expiresAt: Date;
      keyId?: string;
    }
  | { authenticated: false; reason: string };

// jose is loaded on first use so commands that never touch a token do not pay for loading it.
const loadJose = () => import('jose');

/** The JWS algorithm kube-apiserver signs with for a key: RS256, ES256 or ES384. */
export function jwsAlgorithmFor(key: KeyObject): 'RS256' | 'ES256' | 'ES384' {
  const algorithm = keyAlgorithmOf(key);
  if (algorithm?.startsWith('RSA')) return 'RS256';
  if (algorithm === 'ECDSA-P256') return 'ES256';
  if (algorithm === 'ECDSA-P384') return 'ES384';
  throw new Error('service-account keys must be RSA, ECDSA-P256 or ECDSA-P384');
}

/** The `kid` kube-apiserver derives from a public key: base64url (no padding) of SHA-256 over its PKIX DER. */
export function serviceAccountKeyId(publicKey: KeyObject): string {
  const der = (publicKey.type === 'public' ? publicKey : createPublicKey(publicKey)).export({
    format: 'der',
    type: 'spki',
  });
  return createHash('sha256').update(der).digest('base64url');
}

/** Mints a bound service-account token (JWT) signed with sa.key, with the claims kube-apiserver puts in one. */
export async function mintServiceAccountToken(key: KeyPair, request: ServiceAccountTokenRequest): Promise<string> {
  const { SignJWT } = await loadJose();
  const iat = Math.floor(request.now.getTime() / 1000);
  return new SignJWT({
    'kubernetes.io': {
      namespace: request.namespace,
      serviceaccount: { name: request.name, uid: request.uid ?? '' },
    },
  })
    .setProtectedHeader({ alg: jwsAlgorithmFor(key.privateKey), kid: serviceAccountKeyId(key.privateKey) })
    .setIssuer(request.issuer)
    .setSubject(`system:serviceaccount:${request.namespace}:${request.name}`)
    .setAudience(request.audiences)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + request.expiresInSeconds)
    .setJti(randomUUID())
    .sign(key.privateKey);
}

/** Every key of a --service-account-key-file: PEM public keys (or private keys, whose public half counts), in order. */
export function parseServiceAccountPublicKeys(pemText: string): KeyObject[] {
  const blocks = pemText.match(/-----BEGIN ([A-Z ]+)-----[\s\S]+?-----END \1-----/g) ?? [];
  const keys: KeyObject[] = [];
  for (const block of blocks) {
    try {
      keys.push(createPublicKey(block));
    } catch {
      /* not a key (kube-apiserver skips such blocks too) */
    }
  }
  return keys;
}

/**
 * Verifies a token against sa.pub the way kube-apiserver's service-account authenticator does (signature, expiry,
 * not-before, issuer, audience, subject form) and returns the identity or the exact reason it would be rejected.
 * sa.pub may hold several keys (during a rotation): like kube-apiserver's static key getter, a token with a `kid`
 * is checked against the keys whose derived id it names, a token without one against every key.
 * It cannot check the ServiceAccount's UID, which only the live cluster knows.
 */
export async function verifyServiceAccountToken(
  token: string,
  publicKeyPem: string,
  expected: { issuer: string; audiences: string[]; now?: Date },
): Promise<TokenReview> {
  const keys = parseServiceAccountPublicKeys(publicKeyPem);
  if (keys.length === 0) return { authenticated: false, reason: 'sa.pub is not a PEM public key' };
  const jose = await loadJose();
  let header: { kid?: string; alg?: string };
  try {
    header = jose.decodeProtectedHeader(token);
  } catch (error) {
    return { authenticated: false, reason: `not a valid JWT: ${(error as Error).message}` };
  }
  const kid = header.kid;
  const candidates = kid === undefined ? keys : keys.filter((key) => serviceAccountKeyId(key) === kid);
  if (candidates.length === 0) {
    if (!keys.some((key) => jwsAlgorithmFor(key) === header.alg))
      return {
        authenticated: false,
        reason: 'token algorithm does not fit sa.pub (an RSA key verifies RS256, ECDSA ES256/ES384)',
      };
    // kube-apiserver finds no key by the token's kid: the token was signed by a key sa.pub does not (or no longer) hold.
    return {
      authenticated: false,
      reason: 'signature does not verify against sa.pub: the token was signed by another key',
    };
  }
  let rejection: TokenReview = { authenticated: false, reason: 'no key verified the token' };
  for (const publicKey of candidates) {
    const review = await verifyWithKey(jose, token, publicKey, expected);
    if (review.authenticated) return review;
    rejection = review;
  }
  return rejection;
}

async function verifyWithKey(
  jose: typeof import('jose'),
  token: string,
  publicKey: KeyObject,
  expected: { issuer: string; audiences: string[]; now?: Date },
): Promise<TokenReview> {
  try {
    const { payload, protectedHeader } = await jose.jwtVerify(token, publicKey, {
      algorithms: [jwsAlgorithmFor(publicKey)],
      issuer: expected.issuer,
      audience: expected.audiences,
      currentDate: expected.now ?? new Date(),
      clockTolerance: 0,
    });
    const claim = (payload['kubernetes.io'] ?? {}) as {
      namespace?: string;
      serviceaccount?: { name?: string; uid?: string };
    };
    const sub = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(payload.sub ?? '');
    if (!sub)
      return {
        authenticated: false,
        reason: `subject ${JSON.stringify(payload.sub)} is not system:serviceaccount:<namespace>:<name>`,
      };
    if (claim.namespace !== undefined && claim.namespace !== sub[1]) {
      return {
        authenticated: false,
        reason: `kubernetes.io.namespace ${JSON.stringify(claim.namespace)} does not match the subject's namespace ${sub[1]}`,
      };
    }
    const uid = claim.serviceaccount?.uid;
    return {
      authenticated: true,
      user: payload.sub!,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${sub[1]}`, 'system:authenticated'],
      ...(uid ? { uid } : {}),
      namespace: sub[1]!,
      name: sub[2]!,
      expiresAt: new Date((payload.exp ?? 0) * 1000),
      ...(protectedHeader.kid ? { keyId: protectedHeader.kid } : {}),
    };
  } catch (error) {
    return { authenticated: false, reason: describeJoseError(jose.errors, error, expected) };
  }
}

function describeJoseError(
  joseErrors: typeof import('jose').errors,
  error: unknown,
  expected: { issuer: string; audiences: string[] },
): string {
  if (error instanceof joseErrors.JWTExpired)
    return `token expired at ${new Date(Number(error.payload.exp) * 1000).toISOString()}`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed)
    return 'signature does not verify against sa.pub: the token was signed by another key';
  if (error instanceof joseErrors.JOSEAlgNotAllowed)
    return 'token algorithm does not fit sa.pub (an RSA key verifies RS256, ECDSA ES256/ES384)';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'iss')
      return `issuer ${JSON.stringify(error.payload.iss)} is not the expected ${JSON.stringify(expected.issuer)}`;
    if (error.claim === 'aud')
      return `audience ${JSON.stringify(error.payload.aud)} does not include any of ${JSON.stringify(expected.audiences)}`;
    if (error.claim === 'nbf')
      return `token is not valid before ${new Date(Number(error.payload.nbf) * 1000).toISOString()}`;
    return `claim ${error.claim}: ${error.reason}`;
  }
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid)
    return `not a valid JWT: ${(error as Error).message}`;
  return `rejected: ${(error as Error).message}`;
}
