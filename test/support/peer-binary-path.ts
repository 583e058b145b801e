import { findBinary } from './peer-binaries';

/**
 * The absolute path of a peer program a suite was allowed to run (see `requireBinary` in peer-binaries.ts): under
 * CI=true a missing program reaches this point and fails the suite's setup with its name.
 */
export function peerBinaryPath(name: string): string {
  const found = findBinary(name);
  if (!found) throw new Error(`'${name}' is required (CI=true) but was not found on PATH`);
  return found;
}
