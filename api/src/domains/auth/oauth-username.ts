/**
 * Usernames for accounts created by an OAuth login: derived from what the provider knows of the user
 * and bent to the rules of UsernameSchema (3-30 characters, a letter first, then letters, digits, _).
 */
import { randomInt } from 'node:crypto';

const MAX_LENGTH = 30;
const SUFFIX_DIGITS = 4;

export interface UsernameSource {
  login: string | null;
  name: string | null;
  email: string | null;
}

/** The preferred username: the provider login, else the name, else the email's local part. */
export function baseUsername(source: UsernameSource): string {
  const raw = source.login ?? source.name ?? source.email?.split('@', 1)[0] ?? '';
  let name = raw
    // "Zoë Ångström" → "Zoe Angstrom": keep what the user recognises rather than dropping letters.
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^A-Za-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (name === '') name = 'user';
  if (!/^[A-Za-z]/.test(name)) name = `u_${name}`;
  if (name.length < 3) name = `${name}_user`;
  return trim(name, MAX_LENGTH);
}

/**
 * `base_1234`: the base with a random numeric suffix, for when the base is taken. Random rather than
 * counting up, so that concurrent sign-ups with the same base rarely collide twice.
 */
export function suffixedUsername(base: string, random: (max: number) => number = randomInt): string {
  const suffix = String(random(10 ** SUFFIX_DIGITS)).padStart(SUFFIX_DIGITS, '0');
  return `${trim(base, MAX_LENGTH - SUFFIX_DIGITS - 1)}_${suffix}`;
}

// Cutting may leave a trailing "_", which looks like a typo.
const trim = (name: string, length: number) => name.slice(0, length).replace(/_+$/, '');
