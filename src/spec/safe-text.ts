/**
 * Characters no name may hold: C0 and C1 controls (NUL included), DEL, the bidirectional controls that make a
 * terminal or a review show text in another order than it is (`alice\u202Efnoc`), zero-width characters that make
 * two different names look the same, line and paragraph separators, and the byte-order mark.
 */
const unsafeCharacter = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/u;

/** The first unsafe character of `value`, described as `U+202E`, or undefined when there is none. */
export function unsafeCharacterOf(value: string): string | undefined {
  const match = unsafeCharacter.exec(value);
  return match ? `U+${match[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}` : undefined;
}

/** `value` with every unsafe character written as a `\uXXXX` escape. */
export function escapeUnsafeCharacters(value: string): string {
  return value.replace(
    new RegExp(unsafeCharacter.source, 'gu'),
    (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`,
  );
}

/**
 * A run of base64 long enough to be key material (a P-256 private key is 32 bytes, 44 base64 characters; its SEC1
 * body far more), mixing upper case, lower case and digits as encoded bytes do. Names, addresses, durations and
 * paths (letters and slashes) do not look like that.
 */
const base64Run = /[A-Za-z0-9+/]{40,}={0,2}/g;
const isEncoded = (run: string) => /[A-Z]/.test(run) && /[a-z]/.test(run) && /[0-9]/.test(run);

/** True for text that holds PEM markers or a long base64 run: never to be quoted in a message. */
export function looksLikeKeyMaterial(text: string): boolean {
  return /-----BEGIN|PRIVATE KEY/.test(text) || (text.match(base64Run) ?? []).some(isEncoded);
}

/** The text with PEM blocks and long base64 runs replaced, for any message that might quote user input. */
export function redactKeyMaterial(text: string): string {
  return text
    .replace(/-----BEGIN[\s\S]*?(-----END[^-]*-----|$)/g, '(PEM data, not shown)')
    .replace(base64Run, (run) => (isEncoded(run) ? '(key material, not shown)' : run));
}
