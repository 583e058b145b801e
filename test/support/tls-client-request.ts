import * as https from 'node:https';

export interface TlsClientOptions {
  /** PEM of the CA(s) the client trusts for the server certificate; the server is always verified. */
  ca: string | string[];
  /** Client certificate and key, PEM; omit both to present none. */
  cert?: string;
  key?: string;
  method?: string;
  /** An array value sends the header once per element (X-Remote-Group: a, X-Remote-Group: b). */
  headers?: Record<string, string | string[]>;
  body?: string;
  /** SNI and the name checked against the server certificate; defaults to the URL's host. */
  servername?: string;
  timeoutMs?: number;
}

export interface TlsClientResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One HTTPS request over a fresh TLS connection (no agent, no session reuse), so every call is a full handshake that
 * the server judges on its own. Rejects with the TLS/socket error when the handshake or the request fails, and after
 * `timeoutMs` (default 5 s).
 */
export function tlsClientRequest(url: string, options: TlsClientOptions): Promise<TlsClientResponse> {
  return new Promise((resolve, reject) => {
    const request = https.request(
      url,
      {
        method: options.method ?? 'GET',
        headers: options.headers,
        ca: options.ca,
        cert: options.cert,
        key: options.key,
        servername: options.servername,
        rejectUnauthorized: true,
        agent: false,
        timeout: options.timeoutMs ?? 5_000,
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`request to ${url} timed out`)));
    request.on('error', reject);
    request.end(options.body);
  });
}

/** The request's error, or undefined when it succeeded: for asserting that a handshake is refused. */
export async function tlsClientRequestError(
  url: string,
  options: TlsClientOptions,
): Promise<(Error & { code?: string }) | undefined> {
  try {
    await tlsClientRequest(url, options);
    return undefined;
  } catch (error) {
    return error as Error & { code?: string };
  }
}
