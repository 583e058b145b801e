/**
 * A test-only HTTPS server on 127.0.0.1 that behaves like kube-apiserver at the authentication layer, so the real
 * `kubectl` can be pointed at it with generated kubeconfigs:
 *
 * - serves `--tls-cert-file` / `--tls-private-key-file` (apiserver.crt / .key); kubectl verifies it itself;
 * - `--requestheader-client-ca-file` + `--requestheader-allowed-names`: X-Remote-User / X-Remote-Group are believed
 *   only from a client certificate that chains to front-proxy-ca.crt and whose CN is an allowed name;
 * - `--client-ca-file`: a client certificate that chains to a certificate of ca.crt, an intermediate too, as in Go
 *   (verified by OpenSSL during the handshake, client
 *   purpose, so the clientAuth EKU is enforced) → user = CN, groups = every O;
 * - `--service-account-key-file` + `--service-account-issuer` + `--api-audiences`: a bearer token verified with
 *   `jose` against sa.pub (signature, exp/nbf, issuer, audience) → system:serviceaccount:<ns>:<name>;
 * - every authenticated user also gets the group system:authenticated; anything else is 401 Unauthorized.
 *
 * It answers discovery (/version, /api, /apis, the authentication.k8s.io group) and
 * `POST /apis/authentication.k8s.io/v1/selfsubjectreviews` (what `kubectl auth whoami` sends), and records every
 * request with the authentication verdict for assertions. It implements no authorization: authenticated is enough.
 *
 * Independent of src/: it uses Node's TLS/X509Certificate and jose directly, never kubepki's own verification code.
 */
import { X509Certificate, createHash, createPublicKey, type KeyObject } from 'node:crypto';
import * as https from 'node:https';
import type * as http from 'node:http';
import type * as net from 'node:net';
import * as tls from 'node:tls';
import type { TLSSocket } from 'node:tls';
import * as x509 from '@peculiar/x509';
import { decodeProtectedHeader, jwtVerify, type JWTVerifyResult } from 'jose';

export interface ApiserverStandInOptions {
  /** apiserver.crt / apiserver.key (PEM). */
  servingCertificate: string;
  servingKey: string;
  /** --client-ca-file: ca.crt (PEM). */
  clientCa: string;
  /** --requestheader-client-ca-file: front-proxy-ca.crt (PEM). */
  requestHeaderClientCa: string;
  /** --requestheader-allowed-names. @default ['front-proxy-client'] */
  requestHeaderAllowedNames?: string[];
  /** --service-account-key-file: sa.pub (PEM), one key or several (during a rotation). */
  serviceAccountPublicKey: string;
  /** --service-account-issuer, e.g. https://kubernetes.default.svc.cluster.local */
  serviceAccountIssuer: string;
  /** --api-audiences. @default [serviceAccountIssuer] */
  apiAudiences?: string[];
  /** What /version reports. @default 'v1.33.0' */
  gitVersion?: string;
}

export type AuthenticationMethod = 'x509' | 'requestheader' | 'serviceaccount';

export interface AuthenticatedUser {
  username: string;
  groups: string[];
  method: AuthenticationMethod;
}

export interface RecordedRequest {
  method: string;
  path: string;
  status: number;
  user?: AuthenticatedUser;
  /** Why each authenticator that tried declined (empty when one succeeded or no credentials were sent). */
  rejections: string[];
}

const clientAuthOid = '1.3.6.1.5.5.7.3.2';
const authenticationGroupVersion = 'authentication.k8s.io/v1';

/** CN and every O, in order, of a certificate's subject (parsed from DER, so no escaping rules get in the way). */
function subjectOf(certificate: X509Certificate): { commonName?: string; organizations: string[] } {
  const name = new x509.X509Certificate(certificate.raw).subjectName;
  return { commonName: name.getField('CN')[0], organizations: name.getField('O') };
}

function withAuthenticatedGroup(groups: string[]): string[] {
  return groups.includes('system:authenticated') ? groups : [...groups, 'system:authenticated'];
}

export class ApiserverStandIn {
  readonly requests: RecordedRequest[] = [];
  private readonly sockets = new Set<net.Socket>();
  private readonly frontProxyCa: X509Certificate;
  private readonly serviceAccountKeys: { key: KeyObject; kid: string }[];

  private constructor(
    private readonly options: ApiserverStandInOptions,
    private readonly server: https.Server,
  ) {
    this.frontProxyCa = new X509Certificate(options.requestHeaderClientCa);
    // Every PEM block is a key, as keyutil.ParsePublicKeysPEM reads the file; each is known by the kid kube-apiserver
    // derives from it (base64url SHA-256 of its PKIX DER).
    this.serviceAccountKeys = (
      options.serviceAccountPublicKey.match(/-----BEGIN [A-Z ]+-----[\s\S]+?-----END [A-Z ]+-----/g) ?? []
    ).map((pem) => {
      const key = createPublicKey(pem);
      return {
        key,
        kid: createHash('sha256')
          .update(key.export({ format: 'der', type: 'spki' }))
          .digest('base64url'),
      };
    });
  }

  static async start(options: ApiserverStandInOptions): Promise<ApiserverStandIn> {
    const server = https.createServer({
      cert: options.servingCertificate,
      key: options.servingKey,
      // --client-ca-file: OpenSSL verifies client certificates against ca.crt only; the result is socket.authorized.
      ca: options.clientCa,
      requestCert: true,
      // Like kube-apiserver, a handshake without (or with an untrusted) certificate still reaches the authenticators:
      // a bearer token or the request-header authenticator may yet succeed.
      rejectUnauthorized: false,
    });
    // kube-apiserver (Go's crypto/x509) takes every certificate of --client-ca-file as a trust anchor, an intermediate
    // included; OpenSSL does so only with X509_V_FLAG_PARTIAL_CHAIN (Node's allowPartialTrustChain), which Node 20's
    // tls.Server does not pass on from its options: its shared context is made again with it. Self-signed CAs verify
    // as before; a certificate from a sibling under the same root still fails, as it does in Go.
    (server as unknown as { _sharedCreds: tls.SecureContext })._sharedCreds = tls.createSecureContext({
      cert: options.servingCertificate,
      key: options.servingKey,
      ca: options.clientCa,
      allowPartialTrustChain: true,
    });
    const standIn = new ApiserverStandIn(options, server);
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      standIn.handle(req, res).catch((error: unknown) => {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(
          JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: String(error), code: 500 }),
        );
      });
    });
    server.on('connection', (socket: net.Socket) => {
      standIn.sockets.add(socket);
      socket.on('close', () => standIn.sockets.delete(socket));
    });
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return standIn;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** https://127.0.0.1:<port>: an IP SAN of apiserver.crt once 127.0.0.1 is in apiServer.certSANs. */
  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  /** Requests recorded since `mark` (the length of `requests` at some earlier point). */
  requestsSince(mark: number): RecordedRequest[] {
    return this.requests.slice(mark);
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The union authenticator, in kube-apiserver's order: request header, x509, then bearer tokens. */
  private async authenticate(req: http.IncomingMessage): Promise<{ user?: AuthenticatedUser; rejections: string[] }> {
    const rejections: string[] = [];
    const socket = req.socket as TLSSocket;
    const raw = socket.getPeerCertificate(false)?.raw;
    const peer = raw && raw.length > 0 ? new X509Certificate(raw) : undefined;

    if (peer) {
      const fromFrontProxy = this.requestHeaderUser(peer, req);
      if (fromFrontProxy.user) return { user: fromFrontProxy.user, rejections };
      if (fromFrontProxy.rejection) rejections.push(fromFrontProxy.rejection);

      if (socket.authorized) {
        const { commonName: username, organizations: groups } = subjectOf(peer);
        if (username) return { user: { username, groups: withAuthenticatedGroup(groups), method: 'x509' }, rejections };
        rejections.push('x509: certificate has no CN');
      } else if (!fromFrontProxy.rejection) {
        rejections.push(`x509: ${String(socket.authorizationError)}`);
      }
    }

    const authorization = req.headers.authorization;
    if (authorization?.startsWith('Bearer ')) {
      const token = await this.serviceAccountUser(authorization.slice('Bearer '.length).trim());
      if (token.user) return { user: token.user, rejections };
      rejections.push(token.rejection!);
    }
    return { rejections };
  }

  /**
   * --requestheader-client-ca-file / --requestheader-allowed-names: a second chain check, against front-proxy-ca,
   * done here with X509Certificate because the TLS layer only knows ca.crt.
   */
  private requestHeaderUser(
    peer: X509Certificate,
    req: http.IncomingMessage,
  ): { user?: AuthenticatedUser; rejection?: string } {
    const username = req.headersDistinct['x-remote-user']?.[0];
    if (!username) return {};
    const ca = this.frontProxyCa;
    const now = Date.now();
    if (!ca.ca) return { rejection: 'requestheader: front-proxy-ca is not a CA' };
    if (!peer.checkIssued(ca) || !peer.verify(ca.publicKey))
      return { rejection: 'requestheader: client certificate is not signed by the request-header CA' };
    if (now < Date.parse(peer.validFrom) || now > Date.parse(peer.validTo))
      return { rejection: 'requestheader: client certificate is outside its validity period' };
    if (peer.keyUsage !== undefined && !peer.keyUsage.includes(clientAuthOid))
      return { rejection: 'requestheader: client certificate lacks the clientAuth usage' };
    const { commonName } = subjectOf(peer);
    const allowed = this.options.requestHeaderAllowedNames ?? ['front-proxy-client'];
    if (allowed.length > 0 && !allowed.includes(commonName ?? '')) {
      return {
        rejection: `requestheader: client certificate CN ${JSON.stringify(commonName)} is not in the allowed names ${JSON.stringify(allowed)}`,
      };
    }
    const groups = req.headersDistinct['x-remote-group'] ?? [];
    return { user: { username, groups: withAuthenticatedGroup(groups), method: 'requestheader' } };
  }

  private async serviceAccountUser(token: string): Promise<{ user?: AuthenticatedUser; rejection?: string }> {
    const issuer = this.options.serviceAccountIssuer;
    try {
      // kube-apiserver's static key getter: a token's kid selects the keys with that id; no kid, every key.
      const kid = decodeProtectedHeader(token).kid;
      const candidates = this.serviceAccountKeys.filter((k) => kid === undefined || k.kid === kid);
      // kube-apiserver: "invalid signature, no keys found" — to the client, a signature that no accepted key verifies.
      if (candidates.length === 0)
        return {
          rejection: `serviceaccount: ERR_JWS_SIGNATURE_VERIFICATION_FAILED (no key in --service-account-key-file has kid ${JSON.stringify(kid)})`,
        };
      let verified: JWTVerifyResult | undefined;
      let lastError: unknown;
      for (const { key } of candidates) {
        try {
          verified = await jwtVerify(token, key, {
            issuer,
            audience: this.options.apiAudiences ?? [issuer],
            algorithms: key.asymmetricKeyType === 'rsa' ? ['RS256'] : ['ES256', 'ES384'],
            requiredClaims: ['exp', 'iat', 'sub'],
          });
          break;
        } catch (error) {
          lastError = error;
        }
      }
      if (!verified) throw lastError;
      const { payload } = verified;
      const subject = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(payload.sub ?? '');
      if (!subject)
        return { rejection: `serviceaccount: subject ${JSON.stringify(payload.sub)} is not a service account` };
      const claim = payload['kubernetes.io'] as { namespace?: string; serviceaccount?: { name?: string } } | undefined;
      if (!claim || claim.namespace !== subject[1] || claim.serviceaccount?.name !== subject[2]) {
        return { rejection: 'serviceaccount: kubernetes.io claim does not match the subject' };
      }
      const namespace = subject[1]!;
      return {
        user: {
          username: payload.sub!,
          groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
          method: 'serviceaccount',
        },
      };
    } catch (error) {
      const e = error as { code?: string; claim?: string; message?: string };
      return {
        rejection: `serviceaccount: ${e.code ?? 'error'}${e.claim ? ` (${e.claim})` : ''}: ${e.message ?? String(error)}`,
      };
    }
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });
    const { user, rejections } = await this.authenticate(req);
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'https://stand-in').pathname.replace(/\/+$/, '') || '/';
    const reply = (status: number, object: unknown) => {
      this.requests.push({ method, path, status, ...(user ? { user } : {}), rejections });
      res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
      res.end(JSON.stringify(object));
    };
    if (!user) {
      reply(401, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Unauthorized',
        reason: 'Unauthorized',
        code: 401,
      });
      return;
    }
    const answer = this.route(method, path, { contentType: req.headers['content-type'] ?? '', body }, user);
    if (answer) reply(answer.status, answer.object);
    else
      reply(404, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `the server could not find the requested resource`,
        reason: 'NotFound',
        details: {},
        code: 404,
      });
  }

  private route(
    method: string,
    path: string,
    request: { contentType: string; body: Buffer },
    user: AuthenticatedUser,
  ): { status: number; object: unknown } | undefined {
    const gitVersion = this.options.gitVersion ?? 'v1.33.0';
    const [, major, minor] = /^v(\d+)\.(\d+)/.exec(gitVersion) ?? [];
    const group = {
      name: 'authentication.k8s.io',
      versions: [{ groupVersion: authenticationGroupVersion, version: 'v1' }],
      preferredVersion: { groupVersion: authenticationGroupVersion, version: 'v1' },
    };
    const get = method === 'GET';
    if (get && path === '/version') {
      return {
        status: 200,
        object: {
          major,
          minor,
          gitVersion,
          gitCommit: 'stand-in',
          gitTreeState: 'clean',
          buildDate: '2025-01-01T00:00:00Z',
          goVersion: 'go',
          compiler: 'gc',
          platform: 'linux/amd64',
        },
      };
    }
    if (get && path === '/api') {
      return {
        status: 200,
        object: {
          kind: 'APIVersions',
          versions: ['v1'],
          serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${this.port}` }],
        },
      };
    }
    if (get && path === '/api/v1')
      return { status: 200, object: { kind: 'APIResourceList', groupVersion: 'v1', resources: [] } };
    if (get && path === '/apis')
      return { status: 200, object: { kind: 'APIGroupList', apiVersion: 'v1', groups: [group] } };
    if (get && path === '/apis/authentication.k8s.io')
      return { status: 200, object: { kind: 'APIGroup', apiVersion: 'v1', ...group } };
    if (get && path === '/apis/authentication.k8s.io/v1') {
      return {
        status: 200,
        object: {
          kind: 'APIResourceList',
          apiVersion: 'v1',
          groupVersion: authenticationGroupVersion,
          resources: [
            {
              name: 'selfsubjectreviews',
              singularName: 'selfsubjectreview',
              namespaced: false,
              kind: 'SelfSubjectReview',
              verbs: ['create'],
            },
            {
              name: 'tokenreviews',
              singularName: 'tokenreview',
              namespaced: false,
              kind: 'TokenReview',
              verbs: ['create'],
            },
          ],
        },
      };
    }
    if (method === 'POST' && path === '/apis/authentication.k8s.io/v1/selfsubjectreviews') {
      const kind = requestKind(request.contentType, request.body);
      if (kind !== undefined && kind !== 'SelfSubjectReview') {
        const message = `expected a SelfSubjectReview, got ${JSON.stringify(kind)} (${request.contentType})`;
        return {
          status: 400,
          object: {
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Failure',
            message,
            reason: 'BadRequest',
            code: 400,
          },
        };
      }
      return {
        status: 201,
        object: {
          kind: 'SelfSubjectReview',
          apiVersion: authenticationGroupVersion,
          metadata: { creationTimestamp: null },
          status: { userInfo: { username: user.username, groups: user.groups } },
        },
      };
    }
    return undefined;
  }
}

/**
 * The kind of a request body: JSON, or Kubernetes' protobuf envelope (`k8s\0` + runtime.Unknown, whose TypeMeta
 * carries apiVersion and kind as strings), which kubectl's typed clients send for built-in types. An empty body has
 * no kind (undefined); anything unreadable is ''.
 */
function requestKind(contentType: string, body: Buffer): string | undefined {
  if (body.length === 0) return undefined;
  if (contentType.startsWith('application/vnd.kubernetes.protobuf')) {
    if (body.subarray(0, 4).toString('latin1') !== 'k8s\0') return '';
    return /SelfSubjectReview/.test(body.toString('latin1')) ? 'SelfSubjectReview' : '';
  }
  try {
    return String((JSON.parse(body.toString('utf8')) as { kind?: unknown }).kind ?? '');
  } catch {
    return '';
  }
}
