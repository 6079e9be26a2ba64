import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AccessTokens } from './access-tokens.ts';
import { ensureSigningKeys, loadSigningKeys } from './signing-keys.ts';

const claims = { userId: crypto.randomUUID(), sessionId: crypto.randomUUID(), role: 'viewer' as const };

async function tokens(ttlSeconds: number) {
  const dataDir = mkdtempSync(join(tmpdir(), 'streamhub-keys-'));
  await ensureSigningKeys(dataDir);
  const ring = await loadSigningKeys({ dataDir, signingKeys: undefined });
  return new AccessTokens(ring, { issuer: 'http://localhost:3000', ttlSeconds });
}

afterEach(() => {
  vi.useRealTimers();
});

describe('access tokens, verified once per token', () => {
  it('answers a token it verified before with the same claims', async () => {
    const accessTokens = await tokens(60);
    const token = await accessTokens.issue(claims);
    expect(await accessTokens.verify(token)).toEqual(claims);
    expect(await accessTokens.verify(token)).toEqual(claims);
  });

  it('refuses a remembered token once it has expired', async () => {
    const accessTokens = await tokens(60);
    const token = await accessTokens.issue(claims);
    expect(await accessTokens.verify(token)).toEqual(claims);
    vi.useFakeTimers({ now: Date.now() + 61_000, toFake: ['Date'] });
    await expect(accessTokens.verify(token)).rejects.toThrow();
  });

  it('never remembers a token that failed: a tampered copy of a verified one is refused', async () => {
    const accessTokens = await tokens(60);
    const token = await accessTokens.issue(claims);
    await accessTokens.verify(token);
    const [header, payload, signature = ''] = token.split('.');
    const forged = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
    forged.role = 'admin';
    const tampered = `${header}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${signature}`;
    await expect(accessTokens.verify(tampered)).rejects.toThrow();
    await expect(accessTokens.verify(`${token.slice(0, -2)}AA`)).rejects.toThrow();
  });
});
