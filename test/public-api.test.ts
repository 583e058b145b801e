// The package root exports the documented API only: the values README.md lists under "The library API", no more, no
// fewer. (Types are erased at run time; the typecheck holds them.)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as kubepki from '../src';

const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');

function documentedValues(): string[] {
  const section = readme.slice(readme.indexOf('**The library API**'));
  const start = section.indexOf('\n- ');
  const list = section.slice(start, section.indexOf('\n\n', start));
  const names = new Set<string>();
  for (const line of list.split(/;\n|\n(?=- )/)) {
    // Everything after "types" on an entry names types; before it, values.
    const values = line.split(/\btypes?\b/)[0];
    for (const m of values.matchAll(/`([A-Za-z]+)`/g)) names.add(m[1]);
  }
  names.delete('KubePki'); // from kubepki/pulumi, not the root
  return [...names].sort();
}

describe('the package root', () => {
  it('exports exactly the values the README documents', () => {
    expect(Object.keys(kubepki).sort()).toEqual(documentedValues());
  });
});
