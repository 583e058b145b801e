import * as fs from 'node:fs';
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { OutputLock } from '../../src/realize/local/output-lock';
import { temporaryDirectory } from '../support/fixture-trees';

describe('the output lock', () => {
  it.runIf(process.platform === 'linux')(
    'keeps holding when a waiting run hangs up before the answer (no EPIPE ends the holder)',
    async () => {
      const dir = temporaryDirectory('kubepki-lock-');
      const lock = await OutputLock.acquire(dir, 0);
      const errors: unknown[] = [];
      const onError = (error: unknown) => errors.push(error);
      process.on('uncaughtException', onError);
      try {
        const stat = fs.statSync(dir);
        const address = `\0kubepki-${stat.dev.toString(16)}-${stat.ino.toString(16)}`;
        // Waiting runs that give up at once: each connects and resets before reading the holder's pid.
        await Promise.all(
          Array.from(
            { length: 50 },
            () =>
              new Promise<void>((resolve) => {
                const socket = net.connect({ path: address }, () => socket.destroy());
                socket.on('close', () => resolve());
                socket.on('error', () => resolve());
              }),
          ),
        );
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(errors).toEqual([]);
        // Still held: a second run is told who holds it.
        await expect(OutputLock.acquire(dir, 0)).rejects.toThrow(`(pid ${process.pid})`);
      } finally {
        process.off('uncaughtException', onError);
        await lock.release();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
