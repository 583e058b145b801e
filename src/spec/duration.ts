// Go's time.ParseDuration syntax, which kubeadm uses for certificateValidityPeriod: "8760h", "1h30m", "90m".

const unitSeconds: Record<string, number> = {
  h: 3600,
  m: 60,
  s: 1,
  ms: 1e-3,
  us: 1e-6,
  µs: 1e-6,
  ns: 1e-9,
};

const durationPattern = /^(?:\d+(?:\.\d+)?(?:h|ms|m|s|us|µs|ns))+$/;
const partPattern = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g;

/** Parses a Go-style duration into seconds; undefined when the text does not parse. */
export function parseDurationSeconds(value: string): number | undefined {
  if (!durationPattern.test(value)) return undefined;
  let total = 0;
  for (const match of value.matchAll(partPattern)) total += Number(match[1]) * unitSeconds[match[2]!]!;
  return total;
}

/** Whole hours of a duration, or undefined when it does not parse or is not a whole number of hours. */
export function parseDurationHours(value: string): number | undefined {
  const seconds = parseDurationSeconds(value);
  if (seconds === undefined || seconds % 3600 !== 0) return undefined;
  return seconds / 3600;
}
