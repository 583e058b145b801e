import type { KeyAlgorithm } from '../vocabulary';
import { KeyPair } from './key-pair';

/**
 * Keys that started generating before anyone asked for them. `kubepki generate` into a new directory knows from the
 * plan alone how many keys it will need; starting them on the thread pool first lets the rest of the program load
 * and plan while they generate, instead of leaving the cores idle during start-up.
 */
export class KeyPool {
  private readonly waiting = new Map<KeyAlgorithm, Promise<KeyPair>[]>();

  /** Starts generating `count` keys of `algorithm`. */
  static start(algorithm: KeyAlgorithm, count: number): KeyPool {
    const pool = new KeyPool();
    pool.waiting.set(algorithm, Array.from({ length: count }, () => KeyPair.generate(algorithm)));
    return pool;
  }

  /** A pre-started key of that algorithm, or a fresh one when the pool has none left. */
  take(algorithm: KeyAlgorithm): Promise<KeyPair> {
    return this.waiting.get(algorithm)?.shift() ?? KeyPair.generate(algorithm);
  }

  /** Keys started but never taken (their work is discarded). */
  get unused(): number {
    return [...this.waiting.values()].reduce((n, list) => n + list.length, 0);
  }
}
