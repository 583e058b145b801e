import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SpecIssue } from '../spec';

/**
 * Reads a file a spec field names relative to the spec file (a user's CSR, an offline root's certificate). Undefined,
 * with an issue at `where` saying where it looked, when it cannot be read.
 */
export function readSpecRelativeFile(
  specFile: string,
  named: string,
  where: string,
  code: string,
  issues: SpecIssue[],
): string | undefined {
  const file = path.resolve(path.dirname(specFile), named);
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    issues.push({
      code,
      path: where,
      message: `${JSON.stringify(named)} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}, looked at ${file}): the path is relative to the spec file`,
    });
    return undefined;
  }
}
