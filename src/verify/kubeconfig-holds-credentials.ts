import * as yaml from 'js-yaml';

/** The fields of a kubeconfig user entry that are, or lead to, a credential (kubectl's AuthInfo). */
const credentialFields = [
  'client-key-data',
  'client-key',
  'token',
  'tokenFile',
  'password',
  'exec',
  'auth-provider',
] as const;

const credentialLine = new RegExp(`^\\s*-?\\s*["']?(${credentialFields.join('|')})["']?\\s*:`, 'm');

/**
 * Whether any user entry of a kubeconfig holds a credential — not only the current context's user: `kubectl
 * --context`/`--user` picks any of them, so one credential anywhere in the file makes it a secret. Text that is not
 * YAML is judged by whether it names a credential field, erring on the side of keeping the file private.
 */
export function kubeconfigHoldsCredentials(text: string): boolean {
  let doc: unknown;
  try {
    doc = yaml.load(text);
  } catch {
    return credentialLine.test(text);
  }
  if (!doc || typeof doc !== 'object') return credentialLine.test(text);
  const users = (doc as Record<string, unknown>).users;
  if (!Array.isArray(users)) return false;
  return users.some((entry) => {
    const user = entry && typeof entry === 'object' ? (entry as Record<string, unknown>).user : undefined;
    if (!user || typeof user !== 'object') return false;
    return credentialFields.some((field) => {
      const value = (user as Record<string, unknown>)[field];
      return value !== undefined && value !== null && value !== '';
    });
  });
}
