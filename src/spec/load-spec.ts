import * as fs from 'node:fs';
import * as path from 'node:path';
import Module from 'node:module';
import * as yaml from 'js-yaml';
import type { ClusterSpec } from './cluster-spec-schema';
import { parseSpec } from './parse-spec';
import { SpecError } from './spec-error';

/** Reads a spec file (`.yaml`/`.yml`/`.json`, or `.ts`/`.js` exporting `defineCluster(...)`) and validates it. */
export function loadSpecFile(file: string): ClusterSpec {
  return parseSpec(readSpecDocument(file), file);
}

/** The raw document of a spec file, before validation. */
export function readSpecDocument(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new SpecError([{ code: 'unreadable', path: '(file)', message: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? error}` }], file);
  }
  const ext = path.extname(file).toLowerCase();
  if (ext === '.ts' || ext === '.js' || ext === '.cjs') return evaluateModule(file, text, ext);
  return parseSpecText(text, file);
}

/** Parses YAML (or JSON, a subset) spec text. */
export function parseSpecText(text: string, source = '(text)'): unknown {
  try {
    return yaml.load(text, { filename: source });
  } catch (error) {
    const e = error as yaml.YAMLException;
    const where = e.mark ? `line ${e.mark.line + 1}, column ${e.mark.column + 1}` : '(document)';
    throw new SpecError([{ code: 'invalid_yaml', path: where, message: `not valid YAML: ${e.reason ?? e.message}` }], source);
  }
}

function evaluateModule(file: string, text: string, ext: string): unknown {
  let code = text;
  if (ext === '.ts') {
    // TypeScript ships with @pulumi/pulumi's dependency tree; it is only needed for .ts specs, so load it lazily.
    let ts: typeof import('typescript');
    try {
      ts = require('typescript') as typeof import('typescript');
    } catch {
      throw new SpecError([{ code: 'no_typescript', path: '(file)', message: `${file} is TypeScript but the "typescript" package is not installed: npm install typescript, or write the spec as YAML` }], file);
    }
    code = ts.transpileModule(text, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true }, fileName: file }).outputText;
  }
  const absolute = path.resolve(file);
  const mod = new Module(absolute) as Module & { _compile(code: string, filename: string): void };
  mod.filename = absolute;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(absolute));
  mod._compile(code, absolute);
  const exported = mod.exports as Record<string, unknown>;
  return exported.default ?? exported.cluster ?? exported;
}
