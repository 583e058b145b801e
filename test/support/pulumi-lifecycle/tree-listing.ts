import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PkiPlan } from '../../../src/plan';
import { verifyPki } from '../../../src/verify';

/** Every regular file under dir, relative, sorted; and the directories that hold nothing. */
export function listTree(dir: string): { files: string[]; emptyDirectories: string[]; modes: Map<string, number> } {
  const files: string[] = [];
  const emptyDirectories: string[] = [];
  const modes = new Map<string, number>();
  const walk = (rel: string) => {
    const entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true });
    if (entries.length === 0 && rel) emptyDirectories.push(rel);
    for (const entry of entries) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else {
        files.push(child);
        modes.set(child, fs.statSync(path.join(dir, child)).mode & 0o777);
      }
    }
  };
  if (fs.existsSync(dir)) walk('');
  return { files: files.sort(), emptyDirectories, modes };
}

/**
 * What must hold after every `pulumi up`: the tree holds exactly the files `kubepki generate` would write for the
 * plan, each with its planned mode, no empty directory, and `kubepki verify --spec` finds no error.
 */
export function treeReport(
  dir: string,
  plan: PkiPlan,
): { missing: string[]; extra: string[]; wrongModes: string[]; emptyDirectories: string[]; errors: string[] } {
  const { files, emptyDirectories, modes } = listTree(dir);
  const planned = new Map(plan.files.map((f) => [f.path, f.mode]));
  return {
    missing: [...planned.keys()].filter((p) => !files.includes(p)).sort(),
    extra: files.filter((p) => !planned.has(p)),
    wrongModes: files
      .filter((p) => planned.has(p) && modes.get(p) !== planned.get(p))
      .map((p) => `${p} ${modes.get(p)!.toString(8)}`),
    emptyDirectories,
    errors: verifyPki(dir, { plan })
      .filter((f) => f.severity === 'error')
      .map((f) => `${f.file}: ${f.id} ${f.message}`),
  };
}

export const cleanTree = { missing: [], extra: [], wrongModes: [], emptyDirectories: [], errors: [] };
