/**
 * Counts the run's writes to disk (each staged file, the journal, each rename, chmod and removal). Test-only: when
 * KUBEPKI_TEST_KILL_AFTER_WRITES=N is set, the process SIGKILLs itself right after its Nth write, so the crash tests
 * can stop a real `generate` at every point of a commit, deterministically. Never set it outside tests.
 */
export class WriteCounter {
  private count = 0;

  constructor(private readonly killAfter = Number(process.env.KUBEPKI_TEST_KILL_AFTER_WRITES ?? 0)) {}

  wrote(): void {
    this.count++;
    if (this.killAfter > 0 && this.count === this.killAfter) process.kill(process.pid, 'SIGKILL');
  }

  get writes(): number {
    return this.count;
  }
}
