import { hash, verify } from '@node-rs/argon2';

/** argon2id with the library's defaults (OWASP's minimum: m=19 MiB, t=2, p=1). */
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/** Password rules: long enough to matter, short enough not to be a hashing DoS. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < 12) return 'use at least 12 characters';
  if (password.length > 256) return 'use at most 256 characters';
  return undefined;
}
