/**
 * What a writing verb shows as it goes. On a terminal: the status line (keys, then writes: done/total, elapsed) and
 * each file's line as soon as that file is in place, so a long run is never silent. Without one, or with --quiet,
 * nothing extra: the same lines as before live lines existed, in the report's order.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planPki } from '../../src/plan';
import { commitJournalName } from '../../src/outputs';
import { removeTree, stackFile, stackSpec, temporaryDirectory } from '../support/fixture-trees';
import { runKubepkiOnTerminal, type TerminalEvent } from '../support/run-kubepki';
import { describeRun, kubepki, writeSpec } from './review-cli';

let root: string;
let spec: string;
const plan = planPki(stackSpec('lab', 'ECDSA-P256'));
beforeAll(() => {
  root = temporaryDirectory('kubepki-progress-');
  spec = writeSpec(root, 'lab-ec.yaml', 'lab', (d) => (d.spec.pki.encryptionAlgorithm = 'ECDSA-P256'));
});
afterAll(() => removeTree(root));

const lines = (stdout: string) => stdout.split('\n').filter((l) => l !== '');
const statuses = (events: TerminalEvent[]) => events.filter((e) => e.stream === 'status').map((e) => e.text);
const shown = (events: TerminalEvent[]) => statuses(events).filter((t) => t !== undefined);
/** A file's path in its line: `created  cp1/pki/ca.crt`, `reissued cp1/pki/apiserver.crt  (reason)`. */
const pathOf = (line: string) => line.slice(9).split('  (')[0]!;

/** The disk as it was when a line was printed: the file's content and mode, and whether the commit was under way. */
function diskAt(dir: string, line: string) {
  const full = path.join(dir, pathOf(line));
  const exists = fs.existsSync(full);
  return {
    line,
    journal: fs.existsSync(path.join(dir, commitJournalName)),
    ...(exists ? { content: fs.readFileSync(full, 'utf8'), mode: fs.statSync(full).mode & 0o777 } : {}),
  };
}

describe('generate on a terminal', () => {
  it('prints each file once it is on disk as it ends, with a status line for keys and writes, then clears it', async () => {
    const out = path.join(root, 'terminal');
    const atLine: ReturnType<typeof diskAt>[] = [];
    const tty = await runKubepkiOnTerminal(['generate', spec, '--out', out], (l) => atLine.push(diskAt(out, l)));
    expect(tty.status).toBe(0);
    const piped = await kubepki(['generate', spec, '--out', path.join(root, 'piped')]);
    expect(piped.status, describeRun(piped)).toBe(0);

    // Without a terminal: one line per planned file, in the plan's order, as always.
    expect(lines(piped.stdout)).toEqual(plan.files.map((f) => `created  ${f.path}`));
    // On one: the same lines, in the order the commit puts them in place (keys first).
    expect([...tty.stdout].sort()).toEqual(lines(piped.stdout).sort());
    expect(tty.stdout).not.toEqual(lines(piped.stdout));
    expect(tty.stdout[0]).toMatch(/(\.key|bootstrap-token)$/);

    // Each line printed while the commit was still applying, the file already there with its final content and mode.
    for (const seen of atLine) {
      const planned = plan.files.find((f) => f.path === pathOf(seen.line))!;
      expect(seen, seen.line).toEqual({
        line: seen.line,
        journal: true,
        content: fs.readFileSync(path.join(out, planned.path), 'utf8'),
        mode: planned.mode,
      });
    }

    // The status line: keys (done/started), then writes (done/total), each ending complete; elapsed time on both.
    const status = shown(tty.events);
    const keys = status.filter((t) => t.startsWith('generating keys'));
    const writes = status.filter((t) => t.startsWith('writing'));
    expect(keys.length + writes.length).toBe(status.length);
    expect(status).toEqual([...keys, ...writes]);
    for (const t of keys) expect(t).toMatch(/^generating keys: \d+\/\d+ done, \d+\.\d s$/);
    // Into a new directory every key starts at once: the first status already counts them all.
    const generated = /(\d+) keys generated/.exec(piped.stderr)![1]!;
    expect(keys[0]).toMatch(new RegExp(`^generating keys: 0/${generated} done, `));
    expect(keys.at(-1)).toMatch(new RegExp(`^generating keys: ${generated}/${generated} done, `));
    for (const t of writes) expect(t).toMatch(new RegExp(`^writing \\d+/${plan.files.length} files, \\d+\\.\\d s$`));
    expect(writes.at(-1)).toMatch(new RegExp(`^writing ${plan.files.length}/${plan.files.length} files, `));

    // Writes are counted before the lines come (staging, then renames); the status is cleared before the summary.
    const at = (e: TerminalEvent) => tty.events.indexOf(e);
    const lastStatus = tty.events.filter((e) => e.stream === 'status' && e.text !== undefined).at(-1)!;
    const firstLine = tty.events.find((e) => e.stream === 'stdout')!;
    expect(at(lastStatus)).toBeLessThan(at(firstLine));
    const summary = tty.events.findIndex((e) => e.stream === 'stderr');
    expect(tty.events[summary - 1]).toEqual({ stream: 'status', text: undefined });
    expect(tty.events.slice(summary).filter((e) => e.stream === 'status')).toEqual([]);
    const text = (e: TerminalEvent | undefined) => e?.text?.replace(/ → .*/, '');
    expect(text(tty.events[summary])).toBe(text({ stream: 'stderr', text: lines(piped.stderr)[0]! }));
  });

  it('a re-run, a renewal and a dry run print the same lines as without a terminal; --quiet prints no line, no status', async () => {
    const [a, b] = ['rerun-tty', 'rerun-piped'].map((name) => path.join(root, name));
    for (const dir of [a!, b!]) expect((await kubepki(['generate', spec, '--out', dir, '--quiet'])).status).toBe(0);

    // Nothing to write: every line is known before the writes, so the order is the report's, and no status is shown.
    const again = await runKubepkiOnTerminal(['generate', spec, '--out', a!]);
    expect(again.stdout).toEqual(lines((await kubepki(['generate', spec, '--out', b!])).stdout));
    expect(again.stdout.every((l) => l.startsWith('kept '))).toBe(true);
    expect(shown(again.events)).toEqual([]);

    const dry = await runKubepkiOnTerminal(['renew', spec, '--out', a!, '--all', '--dry-run']);
    expect(dry.stdout).toEqual(lines((await kubepki(['renew', spec, '--out', b!, '--all', '--dry-run'])).stdout));
    expect(shown(dry.events)).toEqual([]);

    // renew lists only what it rewrote, each line once that file holds the renewed certificate.
    const before = fs.readFileSync(path.join(a!, 'cp1/pki/apiserver.crt'), 'utf8');
    const atLine: ReturnType<typeof diskAt>[] = [];
    const renew = await runKubepkiOnTerminal(['renew', spec, '--out', a!, '--all'], (l) => atLine.push(diskAt(a!, l)));
    const pipedRenew = await kubepki(['renew', spec, '--out', b!, '--all']);
    expect(renew.status).toBe(0);
    expect([...renew.stdout].sort()).toEqual(lines(pipedRenew.stdout).sort());
    expect(renew.stdout).toContain('reissued cp1/pki/apiserver.crt  (renewal requested)');
    // Certificates are in place before the kubeconfigs that embed them.
    const conf = renew.stdout.findIndex((l) => l.includes('.conf'));
    expect(conf).toBeGreaterThan(0);
    expect(renew.stdout.slice(conf).every((l) => l.includes('.conf'))).toBe(true);
    expect(renew.stdout.filter((l) => l.startsWith('kept'))).toEqual([]);
    const apiserver = atLine.find((s) => pathOf(s.line) === 'cp1/pki/apiserver.crt')!;
    expect(apiserver.content).not.toBe(before);
    expect(apiserver.content).toBe(fs.readFileSync(path.join(a!, 'cp1/pki/apiserver.crt'), 'utf8'));
    expect(shown(renew.events).at(-1)).toMatch(
      new RegExp(`^writing ${renew.stdout.length}/${renew.stdout.length} files, `),
    );

    const quiet = await runKubepkiOnTerminal(['generate', spec, '--out', path.join(root, 'quiet'), '--quiet']);
    expect(quiet.status).toBe(0);
    expect(quiet.stdout).toEqual([]);
    expect(shown(quiet.events)).toEqual([]);
    expect(quiet.events.filter((e) => e.stream === 'stderr').map((e) => e.text)).toEqual([
      expect.stringMatching(new RegExp(`^${plan.files.length} created; \\d+ keys generated → `)),
    ]);
  });

  it('csr prints each key and CSR once it is in place, the same lines as without a terminal', async () => {
    const external = stackFile('external-ca');
    const [tty, piped] = ['csr-tty', 'csr-piped'].map((name) => path.join(root, name));
    const atLine: ReturnType<typeof diskAt>[] = [];
    const live = await runKubepkiOnTerminal(['csr', external, '--out', tty!], (l) => atLine.push(diskAt(tty!, l)));
    const listed = await kubepki(['csr', external, '--out', piped!]);
    expect(live.status).toBe(0);
    expect([...live.stdout].sort()).toEqual(lines(listed.stdout).sort());
    expect(live.stdout.length).toBeGreaterThan(2);
    for (const seen of atLine) {
      expect(seen.journal, seen.line).toBe(true);
      expect(seen.content, seen.line).toBe(fs.readFileSync(path.join(tty!, pathOf(seen.line)), 'utf8'));
      expect(seen.mode, seen.line).toBe(pathOf(seen.line).endsWith('.csr') ? 0o644 : 0o600);
    }
    expect(shown(live.events).at(-1)).toMatch(new RegExp(`^writing ${atLine.length}/${atLine.length} files, `));
  });
});
