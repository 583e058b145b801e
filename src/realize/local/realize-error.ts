/** A problem with an existing file: names the file, says why, never quotes key material. */
export interface TreeProblem {
  /** Relative to the output directory. */
  path: string;
  message: string;
  /**
   * `ca-change` when the spec would replace a CA or the sa key, `rotation-order` when it takes a rotation stage out of
   * order: refusals, so callers can tell them from damage.
   */
  code:
    | 'unreadable'
    | 'corrupt'
    | 'key-mismatch'
    | 'wrong-issuer'
    | 'ca-mismatch'
    | 'ca-change'
    | 'ca-expired'
    | 'missing-key'
    | 'no-ca-key'
    | 'not-a-directory'
    | 'symlink'
    | 'owner'
    | 'csr-refused'
    | 'intermediate-refused'
    | 'rotation-order';
}

/** Thrown before anything is written: the tree is left exactly as it was. */
export class RealizeError extends Error {
  readonly problems: TreeProblem[];

  constructor(problems: TreeProblem[]) {
    super(
      `nothing was written; ${problems.length} problem${problems.length === 1 ? '' : 's'} in the existing tree:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`,
    );
    this.name = 'RealizeError';
    this.problems = problems;
  }
}
