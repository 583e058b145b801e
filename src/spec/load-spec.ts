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
    throw new SpecError(
      [
        {
          code: 'unreadable',
          path: '(file)',
          message: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        },
      ],
      file,
    );
  }
  const ext = path.extname(file).toLowerCase();
  if (ext === '.ts' || ext === '.js' || ext === '.cjs') return evaluateModule(file);
  return parseSpecText(text, file);
}

/**
 * Parses YAML (or JSON, a subset) spec text. A control character YAML cannot hold is reported at its own line and
 * column before the YAML parser sees it (js-yaml places a NUL at the end of the first line).
 */
export function parseSpecText(text: string, source = '(text)'): unknown {
  const control = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.exec(text);
  if (control) {
    const before = text.slice(0, control.index);
    const line = before.split('\n').length;
    const column = control.index - before.lastIndexOf('\n');
    const code = `U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    throw new SpecError(
      [
        {
          code: 'invalid_character',
          path: `line ${line}, column ${column}`,
          message: `holds the control character ${code}${code === 'U+0000' ? ' (NUL)' : ''}, which YAML does not allow: remove it`,
        },
      ],
      source,
    );
  }
  try {
    return yaml.load(text, { filename: source });
  } catch (error) {
    const e = error as yaml.YAMLException;
    const where = e.mark ? `line ${e.mark.line + 1}, column ${e.mark.column + 1}` : '(document)';
    throw new SpecError(
      [{ code: 'invalid_yaml', path: where, message: `not valid YAML: ${e.reason ?? e.message}` }],
      source,
    );
  }
}

type TypeScript = typeof import('typescript');
type Extensions = Record<string, (module: Module, filename: string) => void>;

function loadTypeScript(file: string): TypeScript {
  // TypeScript comes with @pulumi/pulumi's dependencies; only .ts specs need it, so it is loaded lazily.
  try {
    return require('typescript') as TypeScript;
  } catch {
    throw new SpecError(
      [
        {
          code: 'no_typescript',
          path: '(file)',
          message: `${file} is TypeScript but the "typescript" package is not installed: npm install typescript, or write the spec as YAML`,
        },
      ],
      file,
    );
  }
}

/**
 * Evaluates a spec module. While it loads, `.ts` files (the spec and whatever .ts modules it imports) are transpiled
 * to CommonJS on the fly; the hook is removed afterwards. Anything the module throws becomes a SpecError naming the
 * file, so a broken spec is bad input (exit 2), never a crash.
 */
function evaluateModule(file: string): unknown {
  const absolute = path.resolve(file);
  const extensions = (Module as unknown as { _extensions: Extensions })._extensions;
  const previous = extensions['.ts'];
  const cache = (Module as unknown as { _cache: Record<string, unknown> })._cache;
  const before = new Set(Object.keys(cache));
  if (path.extname(file).toLowerCase() === '.ts' || !previous) {
    const ts = path.extname(file).toLowerCase() === '.ts' ? loadTypeScript(file) : undefined;
    if (ts) {
      extensions['.ts'] = (module, filename) => {
        const source = fs.readFileSync(filename, 'utf8');
        const output = ts.transpileModule(source, {
          compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
          fileName: filename,
        }).outputText;
        (module as Module & { _compile(code: string, filename: string): void })._compile(output, filename);
      };
    }
  }
  try {
    const exported = require(absolute) as Record<string, unknown>;
    const spec = exported.default ?? exported.cluster;
    if (spec === undefined && Object.keys(exported).length === 0) {
      throw new SpecError(
        [
          {
            code: 'spec_module_error',
            path: '(file)',
            message: `${file} exports nothing: end it with \`export default defineCluster({...})\``,
          },
        ],
        file,
      );
    }
    return spec ?? exported;
  } catch (error) {
    if (error instanceof SpecError) throw error;
    // Only the first line: Node appends a multi-line "Require stack" to module errors.
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw new SpecError(
      [{ code: 'spec_module_error', path: '(file)', message: `evaluating ${file} failed: ${reason}` }],
      file,
    );
  } finally {
    if (previous) extensions['.ts'] = previous;
    else delete extensions['.ts'];
    // Forget the spec's modules so that loading the file again reads it again.
    for (const key of Object.keys(cache)) if (!before.has(key)) delete cache[key];
  }
}
