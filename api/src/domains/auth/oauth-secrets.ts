/** The random values of one OAuth authorization: the state and the PKCE (RFC 7636) verifier. */
import { createHash, randomBytes } from 'node:crypto';

// 32 bytes → 43 base64url characters: the RFC 7636 minimum verifier length, and 256 bits of guessing.
const SECRET_BYTES = 32;

export const createOAuthState = (): string => randomBytes(SECRET_BYTES).toString('base64url');

export const createCodeVerifier = (): string => randomBytes(SECRET_BYTES).toString('base64url');

/** The S256 code challenge: base64url(SHA-256(verifier)), without padding. */
export const codeChallengeS256 = (verifier: string): string =>
  createHash('sha256').update(verifier, 'ascii').digest('base64url');

/**
 * Only the state's hash is stored, so a read of `auth.oauth_states` (a backup, a replica) cannot be
 * replayed against the callback.
 */
export const hashOAuthState = (state: string): string => createHash('sha256').update(state).digest('hex');
