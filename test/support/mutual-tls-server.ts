import { X509Certificate } from 'node:crypto';
import * as https from 'node:https';
import type * as http from 'node:http';
import type * as net from 'node:net';
import type { TLSSocket } from 'node:tls';
import * as x509 from '@peculiar/x509';

export interface PeerIdentity {
  commonName?: string;
  organizations: string[];
  issuer: string;
}

export interface MutualTlsRequest {
  method: string;
  path: string;
  peer: PeerIdentity;
  headers: http.IncomingHttpHeaders & { [name: string]: string | string[] | undefined };
  /** Header values as sent, each repeated header its own element. */
  headersDistinct: Record<string, string[]>;
}

export interface MutualTlsReply {
  status: number;
  body: unknown;
}

export interface MutualTlsServerOptions {
  /** Serving certificate and key (PEM). */
  cert: string;
  key: string;
  /** The only CA(s) client certificates may chain to; a handshake without such a certificate is refused. */
  clientCa: string | string[];
  /** What to answer a request from a verified client. @default 200 with the peer's identity */
  respond?: (request: MutualTlsRequest) => MutualTlsReply;
}

/**
 * An HTTPS server on 127.0.0.1 (port chosen by the OS) that demands a client certificate chaining to `clientCa`
 * during the TLS handshake (OpenSSL, client purpose: the clientAuth EKU is enforced), the way a kubelet with
 * `authentication.x509.clientCAFile` or an aggregated apiserver with `--requestheader-client-ca-file` is reached.
 * It records why each refused connection was refused (`refusals`) and every request it answered.
 */
export class MutualTlsServer {
  /**
   * Why each refused connection was refused: OpenSSL's verification error for the client certificate
   * (UNABLE_TO_VERIFY_LEAF_SIGNATURE, UNABLE_TO_GET_ISSUER_CERT_LOCALLY, …) or a failed handshake.
   */
  readonly refusals: string[] = [];
  readonly requests: (MutualTlsRequest & { status: number })[] = [];
  private readonly sockets = new Set<net.Socket>();

  private constructor(private readonly server: https.Server) {}

  static async start(options: MutualTlsServerOptions): Promise<MutualTlsServer> {
    // Node's own rejectUnauthorized drops the connection without saying why; the same check is done here, first
    // thing after the handshake and before any HTTP is read, so the reason is kept.
    const server = https.createServer({
      cert: options.cert,
      key: options.key,
      ca: options.clientCa,
      requestCert: true,
      rejectUnauthorized: false,
    });
    const instance = new MutualTlsServer(server);
    server.on('connection', (socket: net.Socket) => {
      instance.sockets.add(socket);
      socket.on('close', () => instance.sockets.delete(socket));
    });
    server.prependListener('secureConnection', (socket: TLSSocket) => {
      if (socket.authorized) return;
      instance.refusals.push(String(socket.authorizationError));
      socket.destroy();
    });
    server.on('tlsClientError', (error: NodeJS.ErrnoException) => {
      instance.refusals.push([error.code, error.message].filter(Boolean).join(': '));
    });
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      const socket = req.socket as TLSSocket;
      if (!socket.authorized) {
        res.writeHead(401).end();
        return;
      }
      const peer = new X509Certificate(socket.getPeerCertificate(false).raw);
      const name = new x509.X509Certificate(peer.raw).subjectName;
      const request: MutualTlsRequest = {
        method: req.method ?? 'GET',
        path: new URL(req.url ?? '/', 'https://stand-in').pathname,
        peer: { commonName: name.getField('CN')[0], organizations: name.getField('O'), issuer: peer.issuer },
        headers: req.headers,
        headersDistinct: req.headersDistinct as Record<string, string[]>,
      };
      const reply = options.respond?.(request) ?? { status: 200, body: { peer: request.peer } };
      instance.requests.push({ ...request, status: reply.status });
      res.writeHead(reply.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(reply.body));
      req.resume();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return instance;
  }

  get url(): string {
    return `https://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
