import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { AccessTokens } from './access-tokens.ts';
import {
  ensureSigningKeys,
  keyRingFromJson,
  loadSigningKeys,
  rotateSigningKeys,
  signingKeysPath,
} from './signing-keys.ts';

const claims = { userId: crypto.randomUUID(), sessionId: crypto.randomUUID(), role: 'viewer' as const };
const options = { issuer: 'http://localhost:3000', ttlSeconds: 60 };

describe('signing keys', () => {
  it('creates one private key file readable only by its owner, once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'streamhub-keys-'));
    expect(await ensureSigningKeys(dataDir)).toBe(true);
    expect(await ensureSigningKeys(dataDir)).toBe(false);
    expect(statSync(signingKeysPath(dataDir)).mode & 0o777).toBe(0o600);
    const ring = await loadSigningKeys({ dataDir, signingKeys: undefined });
    expect(ring.keys).toHaveLength(1);
    expect(ring.jwks.keys[0]).not.toHaveProperty('d');
  });

  it('after a rotation signs with the new key and still verifies tokens of the old one', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'streamhub-keys-'));
    await ensureSigningKeys(dataDir);
    const before = await loadSigningKeys({ dataDir, signingKeys: undefined });
    const oldToken = await new AccessTokens(before, options).issue(claims);

    const { kid } = await rotateSigningKeys(dataDir);
    const after = await loadSigningKeys({ dataDir, signingKeys: undefined });
    expect(after.current.kid).toBe(kid);
    expect(after.keys.map((k) => k.kid)).toEqual([kid, before.current.kid]);

    const tokens = new AccessTokens(after, options);
    expect(await tokens.verify(oldToken)).toEqual(claims);
    expect(decodeProtectedHeader(await tokens.issue(claims)).kid).toBe(kid);
  });

  it('keeps only the newest three keys', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'streamhub-keys-'));
    for (let i = 0; i < 5; i++) await rotateSigningKeys(dataDir);
    const file = JSON.parse(readFileSync(signingKeysPath(dataDir), 'utf8')) as { keys: unknown[] };
    expect(file.keys).toHaveLength(3);
  });

  it('refuses a malformed key set and a missing key file with one clear line', async () => {
    await expect(keyRingFromJson('{"keys":[{"kty":"oct"}]}', 'SIGNING_KEYS')).rejects.toThrow(
      'SIGNING_KEYS is not a valid ES256 private JWK set',
    );
    const empty = mkdtempSync(join(tmpdir(), 'streamhub-keys-'));
    await expect(loadSigningKeys({ dataDir: empty, signingKeys: undefined })).rejects.toThrow(
      /run `streamhub keys generate`/,
    );
  });
});
