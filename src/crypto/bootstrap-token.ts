import { randomInt } from 'node:crypto';

/** kubeadm's bootstrap token format (bootstraputil.BootstrapTokenRegexp): `<6-char id>.<16-char secret>`. */
export const bootstrapTokenPattern = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;

const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';

function randomString(length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += alphabet[randomInt(alphabet.length)];
  return text;
}

/** A new random bootstrap token, as `kubeadm token generate` makes one (36 symbols, uniformly chosen). */
export function generateBootstrapToken(): string {
  return `${randomString(6)}.${randomString(16)}`;
}

/** The public half of a token (its id): safe to print, names the token's Secret `bootstrap-token-<id>`. */
export function bootstrapTokenId(token: string): string {
  return token.slice(0, token.indexOf('.'));
}
