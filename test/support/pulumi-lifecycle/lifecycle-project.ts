import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { repoRoot, temporaryDirectory } from '../fixture-trees';
import { nodeRequire } from '../pulumi-realize';
import type { LifecycleProject } from './lifecycle-stack';

/**
 * A copy of the kubepki project as a user has it, in a temporary directory so that `out/` lands there: Pulumi.yaml
 * and the stack's files copied byte for byte, `src/` and `dist/` linked to the repository's. The stack's spec can
 * then be edited between runs like a user edits stacks/<name>.cluster.yaml.
 */
export interface ProjectCopy {
  dir: string;
  specFile: string;
  outDir: string;
  /** Loads the spec, lets `change` edit it as YAML data, writes it back. */
  editSpec(change: (spec: any) => void): void;
  /** Sets a key of stacks/Pulumi.<stack>.yaml, as `pulumi config set` does. */
  setConfig(key: string, value: string | boolean): void;
  project(programFile?: 'compiled' | 'main'): LifecycleProject;
}

export function copyProject(stack: string, changeSpecText: (text: string) => string = (t) => t): ProjectCopy {
  const dir = temporaryDirectory(`kubepki-project-${stack}-`);
  fs.copyFileSync(path.join(repoRoot, 'Pulumi.yaml'), path.join(dir, 'Pulumi.yaml'));
  fs.mkdirSync(path.join(dir, 'stacks'));
  const stackConfigFile = path.join(dir, 'stacks', `Pulumi.${stack}.yaml`);
  fs.copyFileSync(path.join(repoRoot, 'stacks', `Pulumi.${stack}.yaml`), stackConfigFile);
  const stackConfig = () => yaml.load(fs.readFileSync(stackConfigFile, 'utf8')) as { config: Record<string, unknown> };
  const specName = String(stackConfig().config['kubepki:spec']);
  const specFile = path.join(dir, 'stacks', specName);
  fs.writeFileSync(specFile, changeSpecText(fs.readFileSync(path.join(repoRoot, 'stacks', specName), 'utf8')));
  for (const linked of ['src', 'dist', 'node_modules', 'package.json', 'tsconfig.json'])
    fs.symlinkSync(path.join(repoRoot, linked), path.join(dir, linked));
  return {
    dir,
    specFile,
    outDir: path.resolve(dir, 'stacks', String(stackConfig().config['kubepki:outDir'] ?? `../out/${stack}`)),
    editSpec(change) {
      const spec = yaml.load(fs.readFileSync(specFile, 'utf8'));
      change(spec);
      fs.writeFileSync(specFile, yaml.dump(spec));
    },
    setConfig(key, value) {
      const config = stackConfig();
      config.config[key] = value;
      fs.writeFileSync(stackConfigFile, yaml.dump(config));
    },
    project(programFile = 'compiled') {
      return {
        projectDir: dir,
        stack,
        programFile: path.join(dir, programFile === 'compiled' ? 'dist/pulumi.js' : 'src/pulumi.ts'),
      };
    },
  };
}

let tsNodeRegistered = false;

/**
 * Makes `require` of the TypeScript `main` work as Pulumi's Node.js language host does (sdk/nodejs/cmd/run/run.js):
 * ts-node with the project's tsconfig (the `tsconfig` runtime option of Pulumi.yaml, relative to main's directory)
 * over Pulumi's defaults, type-checking on.
 */
export function registerTypeScriptAsPulumiDoes(project: LifecycleProject): void {
  if (tsNodeRegistered) return;
  const projectFile = yaml.load(fs.readFileSync(path.join(project.projectDir, 'Pulumi.yaml'), 'utf8')) as {
    main: string;
    runtime: { options?: { tsconfig?: string } };
  };
  const mainDir = path.dirname(path.join(project.projectDir, projectFile.main));
  const tsConfigPath = path.resolve(mainDir, projectFile.runtime.options?.tsconfig ?? 'tsconfig.json');
  const skipProject = !fs.existsSync(tsConfigPath);
  const ts = nodeRequire('typescript') as typeof import('typescript');
  const compilerOptions = skipProject
    ? {}
    : (ts.parseConfigFileTextToJson(tsConfigPath, fs.readFileSync(tsConfigPath, 'utf8')).config.compilerOptions ?? {});
  (nodeRequire('ts-node') as typeof import('ts-node')).register({
    project: tsConfigPath,
    skipProject,
    compilerOptions: {
      target: 'ES2020',
      module: 'nodenext',
      moduleResolution: 'nodenext',
      sourceMap: true,
      ...compilerOptions,
    },
  });
  tsNodeRegistered = true;
}
