import { UsernameSchema } from '@streamhub/contracts/auth';
import { describe, expect, it } from 'vitest';
import { baseUsername, suffixedUsername } from './oauth-username.ts';

const from = (source: Partial<{ login: string; name: string; email: string }>) =>
  baseUsername({ login: source.login ?? null, name: source.name ?? null, email: source.email ?? null });

describe('OAuth usernames', () => {
  it('prefers the login, then the name, then the email local part', () => {
    expect(from({ login: 'octocat', name: 'The Octocat', email: 'o@example.com' })).toBe('octocat');
    expect(from({ name: 'Ada Lovelace', email: 'ada@example.com' })).toBe('Ada_Lovelace');
    expect(from({ email: 'grace.hopper@example.com' })).toBe('grace_hopper');
    expect(from({})).toBe('user');
  });

  it.each([
    [{ login: 'octo-cat' }, 'octo_cat'],
    [{ name: 'Zoë Ångström' }, 'Zoe_Angstrom'],
    [{ login: '42isTheAnswer' }, 'u_42isTheAnswer'],
    [{ login: '--x--' }, 'x_user'],
    [{ name: '山田太郎' }, 'user'],
    [{ name: 'A'.repeat(40) }, 'A'.repeat(30)],
    [{ name: `${'a'.repeat(29)} b` }, 'a'.repeat(29)],
  ])('bends %j into %s, which UsernameSchema accepts', (source, expected) => {
    const name = from(source);
    expect(name).toBe(expected);
    expect(UsernameSchema.safeParse(name).success).toBe(true);
  });

  it('suffixes within the length limit', () => {
    const name = suffixedUsername('a'.repeat(30), () => 7);
    expect(name).toBe(`${'a'.repeat(25)}_0007`);
    expect(UsernameSchema.safeParse(name).success).toBe(true);
    expect(suffixedUsername('ada', () => 1234)).toBe('ada_1234');
  });
});
