import type { KeyAlgorithm } from '../vocabulary';
import { KeyPair } from './key-pair';

/**
 * Keys that started generating before anyone asked for them. `kubepki generate` into a new directory knows from the
 * plan alone how many keys it will need; starting them on the thread pool first lets the rest of the program load
 * and plan while they generate, instead of leaving the cores idle during start-up.
 */
export class KeyPool {
  private readonly waiting = new Map<KeyAlgorithm, Promise<KeyPair>[]>();
  private started = 0;
  private finished = 0;

  private onProgress?: (done: number, started: number) => void;

  private constructor() {}

  /**
   * Starts generating `count` keys of `algorithm` (0 makes a pool that only counts the keys taken from it).
   * @param onProgress called each time a key starts or finishes generating: the CLI's progress line.
   */
  static start(algorithm: KeyAlgorithm, count: number, onProgress?: (done: number, started: number) => void): KeyPool {
    // Told once all are started, so that the first progress already counts every key planned (not "0/1").
    const pool = new KeyPool();
    pool.waiting.set(
      algorithm,
      Array.from({ length: count }, () => pool.generate(algorithm)),
    );
    pool.onProgress = onProgress;
    if (count > 0) onProgress?.(pool.finished, pool.started);
    return pool;
  }

  /** A pre-started key of that algorithm, or a fresh one when the pool has none left. */
  take(algorithm: KeyAlgorithm): Promise<KeyPair> {
    return this.waiting.get(algorithm)?.shift() ?? this.generate(algorithm);
  }

  /** Keys started but never taken (their work is discarded). */
  get unused(): number {
    return [...this.waiting.values()].reduce((n, list) => n + list.length, 0);
  }

  private generate(algorithm: KeyAlgorithm): Promise<KeyPair> {
    this.started++;
    this.onProgress?.(this.finished, this.started);
    return KeyPair.generate(algorithm).then((key) => {
      this.finished++;
      this.onProgress?.(this.finished, this.started);
      return key;
    });
  }
}
