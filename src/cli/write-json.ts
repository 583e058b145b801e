import type { CliIo } from './cli-io';

// A chunk this size keeps write calls few without holding the whole document as one string.
const CHUNK_CHARACTERS = 1 << 16;

/**
 * Writes `JSON.stringify(value, null, 2)` piece by piece: one top-level array element at a time, flushed in chunks
 * that end at a line break. An access matrix of a thousand users is ~200,000 cells; as one string it alone would cost
 * more memory than the whole report.
 */
export function writeJson(io: CliIo, value: Record<string, unknown>): void {
  let buffer = '';
  const emit = (text: string) => {
    buffer += text;
    if (buffer.length >= CHUNK_CHARACTERS) {
      io.stdout(buffer);
      buffer = '';
    }
  };
  const indented = (v: unknown, prefix: string) => JSON.stringify(v, null, 2).replace(/\n/g, `\n${prefix}`);
  const entries = Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== 'function');
  emit('{\n');
  entries.forEach(([key, v], i) => {
    const comma = i < entries.length - 1 ? ',' : '';
    if (Array.isArray(v) && v.length > 0) {
      emit(`  ${JSON.stringify(key)}: [\n`);
      v.forEach((element, j) => emit(`    ${indented(element ?? null, '    ')}${j < v.length - 1 ? ',' : ''}\n`));
      emit(`  ]${comma}\n`);
    } else {
      emit(`  ${JSON.stringify(key)}: ${indented(v, '  ')}${comma}\n`);
    }
  });
  io.stdout(`${buffer}}`);
}
