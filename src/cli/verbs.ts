import type { VerbSpec } from './verb-spec';
import { issuingVerbs } from './issuing-verbs';
import { readingVerbs } from './reading-verbs';

/** Every verb of `kubepki`, in the order help lists them. Command modules load lazily (see VerbSpec.load). */
export const verbs: readonly VerbSpec[] = [...issuingVerbs, ...readingVerbs];

/** The verb of that name. */
export function verbNamed(name: string): VerbSpec | undefined {
  return verbs.find((v) => v.name === name);
}
