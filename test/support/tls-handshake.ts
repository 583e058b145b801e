/**
 * Real TLS handshakes between a Node `tls` server and client on 127.0.0.1 (a free port), for trust tests: the server
 * verifies the client certificate against `clientCa`, the client verifies the server certificate against `ca` and the
 * name it expects. Verification is never disabled.
 *
 * ```ts
 * const result = await tlsHandshake(
 *   { identity: { cert: apiserverCrt, key: apiserverKey }, clientCa: caCrt },
 *   { ca: caCrt, identity: { cert: adminCrt, key: adminKey }, expectServerName: 'kubernetes' },
 * );
 * expect(result).toMatchObject({ ok: true, clientSubject: { CN: 'kubernetes-admin' } });
 * ```
 */
import * as crypto from 'node:crypto';
import * as net from 'node:net';
import * as tls from 'node:tls';
import * as x509 from '@peculiar/x509';

/** A certificate (PEM, may hold a chain) and its private key (PEM). */
export interface TlsIdentity {
  cert: string;
  key: string;
}

export interface HandshakeServer {
  /** The serving certificate and key. */
  identity: TlsIdentity;
  /** CA(s) that client certificates must chain to; the server then requires one. Omit for no client authentication. */
  clientCa?: string | string[];
}

export interface HandshakeClient {
  /** CA(s) the client trusts for the server certificate (the only trust anchors: the system store is not used). */
  ca: string | string[];
  /** Client certificate to present, if any. */
  identity?: TlsIdentity;
  /**
   * The name the server certificate must cover: a DNS name (also sent as SNI) or an IP literal (matched against IP
   * SANs, as a client dialing that address would). The TCP connection always goes to 127.0.0.1.
   */
  expectServerName: string;
  /**
   * Anchor trust at any certificate of `ca`, an intermediate too (OpenSSL's X509_V_FLAG_PARTIAL_CHAIN), as Go's
   * crypto/x509 does for every peer written in Go. @default false: OpenSSL's default, a path must end at a self-signed root
   */
  allowPartialTrustChain?: boolean;
}

export interface PeerSubject {
  CN?: string;
  O: string[];
}

export interface HandshakeResult {
  /** Both sides verified each other and the server's reply arrived: the trust edge works. */
  ok: boolean;
  /** The verified client certificate's subject, as the server saw it (only when ok and a client cert was sent). */
  clientSubject?: PeerSubject;
  /** The server certificate's subject, as the client saw it. */
  serverSubject?: PeerSubject;
  /**
   * Why the server refused the client: `client certificate rejected: <OpenSSL verify code>` (e.g.
   * `UNABLE_TO_GET_ISSUER_CERT_LOCALLY`, `INVALID_PURPOSE`), or a TLS-level error.
   */
  serverError?: string;
  /** Why the client failed (`UNABLE_TO_VERIFY_LEAF_SIGNATURE`, `ERR_TLS_CERT_ALTNAME_INVALID`, an alert from the server…). */
  clientError?: string;
  timedOut: boolean;
}

/** Runs one handshake; always resolves (never hangs past `timeoutMs`, default 10 s) and always closes the server. */
export async function tlsHandshake(
  server: HandshakeServer,
  client: HandshakeClient,
  options: { timeoutMs?: number } = {},
): Promise<HandshakeResult> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const requireClientCert = server.clientCa !== undefined;
  let serverError: string | undefined;
  const sockets = new Set<net.Socket>();
  const tlsServer = tls.createServer({
    cert: server.identity.cert,
    key: server.identity.key,
    ca: server.clientCa,
    requestCert: requireClientCert,
    // Node's own rejectUnauthorized would drop the connection without saying why; the same check is made below on
    // `socket.authorized` (OpenSSL's verdict, with the ssl_client purpose) so the reason is reported.
    rejectUnauthorized: false,
  });
  tlsServer.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  tlsServer.on('tlsClientError', (error: NodeJS.ErrnoException) => {
    serverError ??= describeError(error);
  });
  tlsServer.on('secureConnection', (socket: tls.TLSSocket) => {
    socket.on('error', () => undefined);
    if (requireClientCert && !socket.authorized) {
      serverError ??= `client certificate rejected: ${String(socket.authorizationError)}`;
      socket.destroy();
      return;
    }
    const peer = socket.getPeerCertificate();
    const subject = peer && Object.keys(peer).length > 0 ? subjectOf(peer.subject) : undefined;
    socket.end(JSON.stringify({ clientSubject: subject }));
  });

  try {
    await new Promise<void>((resolve, reject) => {
      tlsServer.once('error', reject);
      tlsServer.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = tlsServer.address() as net.AddressInfo;
    const expected = client.expectServerName;
    const isIp = net.isIP(expected) !== 0;

    const outcome = await new Promise<Omit<HandshakeResult, 'serverError'>>((resolve) => {
      let data = '';
      let clientError: string | undefined;
      let serverSubject: PeerSubject | undefined;
      let settled = false;
      const socket = tls.connect({
        host: '127.0.0.1',
        port,
        ca: client.ca,
        ...(client.allowPartialTrustChain ? { allowPartialTrustChain: true } : {}),
        cert: client.identity?.cert,
        key: client.identity?.key,
        ...(isIp ? {} : { servername: expected }),
        rejectUnauthorized: true,
        checkServerIdentity: (_host, cert) => tls.checkServerIdentity(expected, cert),
      });
      const finish = (timedOut: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        let clientSubject: PeerSubject | undefined;
        let ok = false;
        if (!timedOut && !clientError && data) {
          try {
            clientSubject = (JSON.parse(data) as { clientSubject?: PeerSubject }).clientSubject;
            ok = socket.authorized;
          } catch {
            clientError = `unexpected reply ${JSON.stringify(data.slice(0, 80))}`;
          }
        }
        resolve({ ok, clientSubject, serverSubject, clientError, timedOut });
      };
      const timer = setTimeout(() => {
        clientError ??= `handshake timed out after ${timeoutMs} ms`;
        finish(true);
      }, timeoutMs);
      socket.on('secureConnect', () => {
        serverSubject = subjectOf(socket.getPeerCertificate().subject);
      });
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (data += chunk));
      socket.on('error', (error: NodeJS.ErrnoException) => {
        clientError ??= describeError(error);
        finish(false);
      });
      socket.on('end', () => finish(false));
      socket.on('close', () => finish(false));
    });

    // The server's verdict on a client certificate can arrive after the client already saw the alert: give it a moment.
    if (!outcome.ok && requireClientCert) {
      for (let waited = 0; serverError === undefined && waited < 1_000; waited += 10)
        await new Promise((r) => setTimeout(r, 10));
    }
    return { ...outcome, serverError };
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
  }
}

function describeError(error: NodeJS.ErrnoException): string {
  return [error.code, error.message].filter(Boolean).join(': ');
}

function subjectOf(subject: tls.PeerCertificate['subject'] | undefined): PeerSubject {
  const record = (subject ?? {}) as unknown as Record<string, string | string[] | undefined>;
  const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  const cn = list(record.CN);
  return { ...(cn.length ? { CN: cn[0] } : {}), O: list(record.O) };
}

/**
 * A serving identity outside the kubeadm PKI, the way a kubelet (or an aggregated apiserver) makes its own: a
 * throwaway ECDSA P-256 CA and a serverAuth certificate it signs. Use `ca` as the client's trust anchor.
 */
export async function throwawayServingIdentity(options: {
  commonName: string;
  dnsNames?: string[];
  ipAddresses?: string[];
}): Promise<TlsIdentity & { ca: string }> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const subtle = crypto.webcrypto as unknown as Crypto;
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + 3_600_000);
  const caKeys = (await subtle.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
  const caCert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerial(),
      name: `CN=${options.commonName}-ca`,
      notBefore,
      notAfter,
      signingAlgorithm: algorithm,
      keys: caKeys,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.digitalSignature, true),
      ],
    },
    subtle,
  );
  const leafKeys = (await subtle.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
  const sans = [
    ...(options.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(options.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const leaf = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerial(),
      subject: `CN=${options.commonName}`,
      issuer: caCert.subject,
      notBefore,
      notAfter,
      signingAlgorithm: algorithm,
      publicKey: leafKeys.publicKey,
      signingKey: caKeys.privateKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(sans),
      ],
    },
    subtle,
  );
  const pkcs8 = Buffer.from(await subtle.subtle.exportKey('pkcs8', leafKeys.privateKey));
  const key = crypto
    .createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })
    .export({ format: 'pem', type: 'pkcs8' }) as string;
  return { cert: leaf.toString('pem'), key, ca: caCert.toString('pem') };
}

function randomSerial(): string {
  const bytes = crypto.randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01; // positive and non-zero leading byte
  return bytes.toString('hex');
}
