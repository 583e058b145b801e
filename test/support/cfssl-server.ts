import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePort } from './free-port';
import { ManagedProcess, runCommand, waitFor } from './managed-process';
import { peerBinaryPath } from './peer-binary-path';

/**
 * A real `cfssl serve` on 127.0.0.1 holding one CA whose key cfssl itself generated (`cfssl gencert -initca`):
 * kubepki only ever talks to its HTTP API. Stopped by PID.
 */
export class CfsslServer {
  private constructor(
    readonly url: string,
    readonly caCertificatePem: string,
    private readonly process: ManagedProcess,
  ) {}

  /** Makes a CA with `commonName` (ECDSA P-256 or RSA 2048) in `dir` and serves it with `config` (cfssl JSON). */
  static async start(
    dir: string,
    commonName: string,
    algorithm: 'ecdsa' | 'rsa',
    config: unknown,
  ): Promise<CfsslServer> {
    fs.mkdirSync(dir, { recursive: true });
    const cfssl = peerBinaryPath('cfssl');
    const request = {
      CN: commonName,
      key: { algo: algorithm, size: algorithm === 'ecdsa' ? 256 : 2048 },
      ca: { expiry: '87600h' },
    };
    fs.writeFileSync(path.join(dir, 'ca-csr.json'), JSON.stringify(request));
    const init = await runCommand(cfssl, ['gencert', '-initca', path.join(dir, 'ca-csr.json')], { timeoutMs: 30_000 });
    if (init.code !== 0) throw new Error(`cfssl gencert -initca failed: ${init.stderr}`);
    const made = JSON.parse(init.stdout) as { cert: string; key: string };
    fs.writeFileSync(path.join(dir, 'ca.pem'), made.cert);
    fs.writeFileSync(path.join(dir, 'ca-key.pem'), made.key, { mode: 0o600 });
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const args = [
        'serve',
        '-address',
        '127.0.0.1',
        '-port',
        String(port),
        '-ca',
        path.join(dir, 'ca.pem'),
        '-ca-key',
        path.join(dir, 'ca-key.pem'),
        '-config',
        path.join(dir, 'config.json'),
      ];
      const process = ManagedProcess.start(`cfssl-${commonName}`, cfssl, args);
      const url = `http://127.0.0.1:${port}`;
      try {
        await waitFor(
          'cfssl serve',
          async () => {
            if (process.exitStatus) throw new Error(`cfssl exited: ${process.log()}`);
            const response = await fetch(`${url}/api/v1/cfssl/info`, {
              method: 'POST',
              body: '{}',
              signal: AbortSignal.timeout(2_000),
            });
            return response.ok ? true : undefined;
          },
          { timeoutMs: 20_000, describe: () => process.log() },
        );
        return new CfsslServer(url, made.cert, process);
      } catch (error) {
        await process.stop();
        if (!/address already in use/.test(process.log()) || attempt >= 3) throw error;
      }
    }
  }

  /** The server's log: what it signed and what it refused. */
  log(): string {
    return this.process.log();
  }

  async stop(): Promise<void> {
    await this.process.stop();
  }
}
