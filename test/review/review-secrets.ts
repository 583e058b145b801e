/** What must never appear in a review artifact: PEM blocks, key words, or long base64 runs (embedded key data). */
export const secretPatterns: RegExp[] = [/PRIVATE KEY/, /-----BEGIN/, /[A-Za-z0-9+/]{60,}={0,2}/, /client-key-data/];

/** The first pattern `text` matches, for an assertion message; undefined when the text is clean. */
export function leakedSecret(text: string): string | undefined {
  return secretPatterns.find((p) => p.test(text))?.source;
}
