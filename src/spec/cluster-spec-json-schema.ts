import { z } from 'zod';
import { clusterSpecSchema } from './cluster-spec-schema';

/** JSON Schema (draft 2020-12) of what users write, for YAML editors: `# yaml-language-server: $schema=...`. */
export function clusterSpecJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(clusterSpecSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    ...schema,
    $id: 'https://kubepki.io/schemas/cluster-v1alpha1.json',
    title: 'kubepki Cluster spec (kubepki.io/v1alpha1)',
  };
}

/** The schema as the committed file `stacks/cluster.schema.json` holds it. */
export function renderClusterSpecJsonSchema(): string {
  return `${JSON.stringify(clusterSpecJsonSchema(), null, 2)}\n`;
}
