import * as yaml from 'js-yaml';

/** `-o yaml` of a verb's JSON report: the same document, as YAML (block style, keys in the report's order). */
export function renderYaml(value: unknown): string {
  return yaml.dump(value, { lineWidth: -1, noRefs: true });
}
