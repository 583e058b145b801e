import { loadSpecFile } from '../spec';
import { planPki, type PkiPlan } from '../plan';
import { UsageError } from './cli-io';

/** Loads the spec a verb names and plans it; spec problems surface as SpecError (exit 2). */
export function loadPlan(specFile: string | undefined): PkiPlan {
  if (!specFile) throw new UsageError('expected a spec file');
  return planPki(loadSpecFile(specFile));
}
