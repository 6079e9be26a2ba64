/**
 * The access-token signing key ring (ES256 through jose). The newest key signs; older keys stay in the
 * ring so tokens they signed verify until they expire. Kept in `<dataDir>/keys/signing-keys.json`
 * (mode 0600) or given whole in SIGNING_KEYS, so every replica can share one ring.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { z } from 'zod';

export const SIGNING_ALGORITHM = 'ES256';
/** Keys kept after a rotation: enough for tokens signed by the previous ones to expire naturally. */
const KEYS_KEPT = 3;

const PrivateJwkSchema = z
  .object({
    kty: z.literal('EC'),
    crv: z.literal('P-256'),
    x: z.string(),
    y: z.string(),
    d: z.string(),
    kid: z.string().min(1),
    alg: z.literal(SIGNING_ALGORITHM),
    use: z.literal('sig').optional(),
    iat: z.number().int().optional(),
  })
  .loose();

const KeySetFileSchema = z.object({ keys: z.array(PrivateJwkSchema).min(1) });

export type PrivateSigningJwk = z.infer<typeof PrivateJwkSchema>;

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey | Uint8Array;
  publicJwk: JWK;
}

export interface SigningKeyRing {
  /** The key new tokens are signed with. */
  current: SigningKey;
  /** Every key tokens may still be verified with, newest first. */
  keys: SigningKey[];
  /** The public half of every key, served at `/.well-known/jwks.json`. */
  jwks: { keys: JWK[] };
}

export const signingKeysPath = (dataDir: string) => join(dataDir, 'keys', 'signing-keys.json');

/** A fresh private JWK with a random `kid`. */
export async function generateSigningJwk(): Promise<PrivateSigningJwk> {
  const { privateKey } = await generateKeyPair(SIGNING_ALGORITHM, { extractable: true });
  const jwk = await exportJWK(privateKey);
  return PrivateJwkSchema.parse({
    ...jwk,
    kid: randomUUID(),
    alg: SIGNING_ALGORITHM,
    use: 'sig',
    iat: Math.floor(Date.now() / 1000),
  });
}

/** Parses a JWK set (file contents or SIGNING_KEYS) into a ring; throws a one-line error when invalid. */
export async function keyRingFromJson(json: string, source: string): Promise<SigningKeyRing> {
  let parsed: z.infer<typeof KeySetFileSchema>;
  try {
    parsed = KeySetFileSchema.parse(JSON.parse(json));
  } catch {
    throw new Error(`${source} is not a valid ES256 private JWK set`);
  }
  const keys = await Promise.all(
    parsed.keys.map(async (jwk): Promise<SigningKey> => {
      const { d: _private, ...publicJwk } = jwk;
      return {
        kid: jwk.kid,
        privateKey: await importJWK(jwk, SIGNING_ALGORITHM),
        publicJwk: {
          kty: publicJwk.kty,
          crv: publicJwk.crv,
          x: publicJwk.x,
          y: publicJwk.y,
          kid: jwk.kid,
          alg: jwk.alg,
          use: 'sig',
        },
      };
    }),
  );
  const [current] = keys;
  if (!current) throw new Error(`${source} holds no keys`);
  return { current, keys, jwks: { keys: keys.map((k) => k.publicJwk) } };
}

async function readKeyFile(path: string): Promise<PrivateSigningJwk[]> {
  return KeySetFileSchema.parse(JSON.parse(await readFile(path, 'utf8'))).keys;
}

async function writeKeyFile(path: string, keys: PrivateSigningJwk[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  // Write then rename, so a crash never leaves a half-written key file behind.
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify({ keys }, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
}

/** Creates the key file with one key when there is none; returns whether it did. */
export async function ensureSigningKeys(dataDir: string): Promise<boolean> {
  const path = signingKeysPath(dataDir);
  if (existsSync(path)) return false;
  await writeKeyFile(path, [await generateSigningJwk()]);
  return true;
}

/** Puts a new key in front (it signs from now on) and keeps the few before it for verification. */
export async function rotateSigningKeys(dataDir: string): Promise<{ kid: string; kept: number }> {
  const path = signingKeysPath(dataDir);
  const existing = existsSync(path) ? await readKeyFile(path) : [];
  const fresh = await generateSigningJwk();
  const keys = [fresh, ...existing].slice(0, KEYS_KEPT);
  await writeKeyFile(path, keys);
  return { kid: fresh.kid, kept: keys.length };
}

/** The ring for this process: SIGNING_KEYS when set, else the data dir's key file. */
export async function loadSigningKeys(options: {
  dataDir: string;
  signingKeys: string | undefined;
}): Promise<SigningKeyRing> {
  if (options.signingKeys) return keyRingFromJson(options.signingKeys, 'SIGNING_KEYS');
  const path = signingKeysPath(options.dataDir);
  if (!existsSync(path)) {
    throw new Error(`no signing keys at ${path}; run \`streamhub keys generate\` (or \`streamhub init\`)`);
  }
  return keyRingFromJson(await readFile(path, 'utf8'), path);
}
