import { describe, expect, it } from 'vitest';
import { isSameSitePath, OAuthStartQuerySchema } from './oauth.ts';

describe('isSameSitePath (open-redirect guard for redirectTo)', () => {
  it.each(['/', '/studio', '/watch/abc?t=12&quality=720p', '/a/b/../c', '/%2F%2Fstays-a-path'])(
    'accepts the path %s',
    (path) => {
      expect(isSameSitePath(path)).toBe(true);
    },
  );

  it.each([
    'https://evil.example',
    'https://evil.example/studio',
    'http:evil.example',
    'javascript:alert(1)',
    '//evil.example',
    '//evil.example/studio',
    '/\\evil.example',
    '\\\\evil.example',
    '/\t/evil.example',
    '/\n/evil.example',
    '/ /x',
    'studio',
    '',
    '/studio#section',
  ])('refuses %j', (value) => {
    expect(isSameSitePath(value)).toBe(false);
  });

  it('limits the length', () => {
    expect(OAuthStartQuerySchema.safeParse({ redirectTo: `/${'a'.repeat(2047)}` }).success).toBe(true);
    expect(OAuthStartQuerySchema.safeParse({ redirectTo: `/${'a'.repeat(2048)}` }).success).toBe(false);
  });
});
