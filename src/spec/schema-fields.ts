import type { z } from 'zod';

// zod's unrecognized_keys issue names the stray key but not the allowed ones; walking the schema to the same path
// recovers them so the error can say `did you mean "encryptionAlgorithm"?`.

type AnySchema = z.core.$ZodType;

function unwrap(schema: AnySchema): AnySchema {
  let current = schema;
  for (;;) {
    const def = current._zod.def as { type: string; innerType?: AnySchema; in?: AnySchema };
    if (def.innerType && ['default', 'prefault', 'optional', 'nullable', 'catch', 'readonly'].includes(def.type)) {
      current = def.innerType;
    } else if (def.type === 'pipe' && def.in) {
      current = def.in;
    } else {
      return current;
    }
  }
}

/** Field names an object schema allows at `path` (numbers index arrays), merged across union members. */
export function knownFieldsAt(schema: AnySchema, path: readonly PropertyKey[]): string[] {
  let candidates: AnySchema[] = [unwrap(schema)];
  for (const segment of path) {
    const next: AnySchema[] = [];
    for (const candidate of candidates.flatMap(expandUnion)) {
      const def = candidate._zod.def as { type: string; shape?: Record<string, AnySchema>; element?: AnySchema };
      if (typeof segment === 'number' && def.type === 'array' && def.element) next.push(unwrap(def.element));
      if (typeof segment === 'string' && def.type === 'object' && def.shape?.[segment])
        next.push(unwrap(def.shape[segment]));
    }
    candidates = next;
  }
  const fields = new Set<string>();
  for (const candidate of candidates.flatMap(expandUnion)) {
    const def = candidate._zod.def as { type: string; shape?: Record<string, AnySchema> };
    if (def.type === 'object' && def.shape) for (const key of Object.keys(def.shape)) fields.add(key);
  }
  return [...fields];
}

function expandUnion(schema: AnySchema): AnySchema[] {
  const def = schema._zod.def as { type: string; options?: AnySchema[] };
  return def.type === 'union' && def.options ? def.options.map(unwrap) : [schema];
}
