import { loadSpecFile, parseSpec, SpecError, type SpecIssue } from '../../src/spec';

/** A raw spec document as a user writes it (before defaults): one control-plane node, nothing else. */
export function minimalDocument(spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'kubepki.io/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'test' },
    spec: { controlPlane: [{ name: 'cp1', advertiseAddress: '10.0.0.11' }], ...spec },
  };
}

/** The issues parseSpec reports for a document; fails the test when it is accepted or throws something else. */
export function issuesOf(document: unknown): SpecIssue[] {
  try {
    parseSpec(document);
  } catch (error) {
    if (!(error instanceof SpecError)) throw error;
    return error.issues;
  }
  throw new Error(`parseSpec accepted ${JSON.stringify(document)}`);
}

/** `path: message`, as the CLI prints each problem. */
export const issueLine = (issue: SpecIssue) => `${issue.path}: ${issue.message}`;

/** The SpecError `loadSpecFile(file)` throws; fails the test when it loads or throws something else. */
export function specErrorOfFile(file: string): SpecError {
  try {
    loadSpecFile(file);
  } catch (error) {
    if (!(error instanceof SpecError)) throw error;
    return error;
  }
  throw new Error(`loadSpecFile accepted ${file}`);
}
