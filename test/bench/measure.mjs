// One child process measured: wall time, CPU time (user + system, children included) and peak RSS, through GNU time
// (`/usr/bin/time -f`) where it is installed; without it only wall time is known.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const gnuTime = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
export const resourceNote = gnuTime
  ? 'CPU and peak RSS from /usr/bin/time'
  : 'CPU and peak RSS not measured: /usr/bin/time is missing (apt-get install time)';
const report = path.join(os.tmpdir(), `kubepki-bench-time-${process.pid}`);

/** Runs `command args`; throws with its stderr unless it exits with one of `okCodes`. */
export function measure(command, args, { okCodes = [0], cwd } = {}) {
  const argv = gnuTime ? [gnuTime, ['-f', '%e %U %S %M', '-o', report, command, ...args]] : [command, args];
  const start = process.hrtime.bigint();
  const result = spawnSync(argv[0], argv[1], { encoding: 'utf8', cwd, maxBuffer: 1 << 30 });
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  if (!okCodes.includes(result.status))
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr.slice(-2000)}`);
  if (!gnuTime) return { wall, cpu: NaN, rssMb: NaN };
  const [, user, system, maxKb] = fs.readFileSync(report, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  return { wall, cpu: user + system, rssMb: maxKb / 1024 };
}

export const median = (xs) => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** The median of each of wall, cpu and rssMb over several measurements. */
export const medians = (samples) => ({
  wall: median(samples.map((s) => s.wall)),
  cpu: median(samples.map((s) => s.cpu)),
  rssMb: median(samples.map((s) => s.rssMb)),
});
