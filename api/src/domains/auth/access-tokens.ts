/** Short-lived access JWTs: signed with the ring's current key, verified strictly (alg, iss, aud, typ). */
import { randomUUID } from 'node:crypto';
import type { UserRole } from '@streamhub/db/schema/users';
import { createLocalJWKSet, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import { SIGNING_ALGORITHM, type SigningKeyRing } from './signing-keys.ts';

export const ACCESS_TOKEN_AUDIENCE = 'streamhub';
// RFC 9068: a distinct `typ` stops an ID token or any other JWT from our issuer passing as an access token.
const ACCESS_TOKEN_TYPE = 'at+jwt';

export interface AccessTokenClaims {
  userId: string;
  sessionId: string;
  role: UserRole;
}

const ClaimsSchema = z.object({
  sub: z.uuid(),
  sid: z.uuid(),
  role: z.enum(['viewer', 'streamer', 'moderator', 'admin']),
});

// Enough for every client of a busy gateway within one token lifetime; past it the oldest goes first.
const VERIFIED_MAX = 10_000;

export class AccessTokens {
  private readonly keySet: ReturnType<typeof createLocalJWKSet>;
  /**
   * Tokens that passed `verify`, until their `exp`: a client's requests over its token's lifetime pay
   * the ECDSA check once (about 100 µs of CPU, half of an authenticated request: docs/benchmarks.md,
   * Gateway). A token and its key ring never change, so the answer cannot; the session row is still
   * read on every request, so logout, suspension and revocation apply at once.
   */
  private readonly verified = new Map<string, { claims: AccessTokenClaims; expiresAtMs: number }>();

  constructor(
    private readonly ring: SigningKeyRing,
    private readonly options: { issuer: string; ttlSeconds: number },
  ) {
    this.keySet = createLocalJWKSet(ring.jwks);
  }

  get ttlSeconds(): number {
    return this.options.ttlSeconds;
  }

  async issue(claims: AccessTokenClaims): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ sid: claims.sessionId, role: claims.role })
      .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: this.ring.current.kid, typ: ACCESS_TOKEN_TYPE })
      .setSubject(claims.userId)
      .setIssuer(this.options.issuer)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + this.options.ttlSeconds)
      .setJti(randomUUID())
      .sign(this.ring.current.privateKey);
  }

  /** Resolves the claims of a valid token; rejects for anything else (jose's errors name the reason). */
  async verify(token: string): Promise<AccessTokenClaims> {
    const known = this.verified.get(token);
    if (known) {
      // jose refuses a token once `exp <= now` in whole seconds, which is `now < exp` here.
      if (Date.now() < known.expiresAtMs) return known.claims;
      this.verified.delete(token);
    }
    const { payload } = await jwtVerify(token, this.keySet, {
      algorithms: [SIGNING_ALGORITHM],
      issuer: this.options.issuer,
      audience: ACCESS_TOKEN_AUDIENCE,
      typ: ACCESS_TOKEN_TYPE,
      requiredClaims: ['sub', 'sid', 'exp', 'iat'],
    });
    const parsed = ClaimsSchema.parse(payload);
    const claims = Object.freeze({ userId: parsed.sub, sessionId: parsed.sid, role: parsed.role });
    if (this.verified.size >= VERIFIED_MAX) {
      const oldest = this.verified.keys().next();
      if (!oldest.done) this.verified.delete(oldest.value);
    }
    // `exp` is required above, so it is there.
    this.verified.set(token, { claims, expiresAtMs: (payload.exp ?? 0) * 1000 });
    return claims;
  }
}
