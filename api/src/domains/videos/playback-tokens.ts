/**
 * Signed, expiring playback tokens for private videos: a JWT (the gateway's ES256 key ring) scoped to one
 * video. It travels in the URL path (`/vod/<id>/t/<token>/master.m3u8`), so the relative URLs inside HLS
 * playlists inherit it and players need neither headers nor playlist rewriting.
 */
import { createLocalJWKSet, jwtVerify, SignJWT } from 'jose';
import { SIGNING_ALGORITHM, type SigningKeyRing } from '../auth/signing-keys.ts';

const AUDIENCE = 'streamhub-playback';
// A distinct type keeps access tokens (at+jwt) and playback tokens from standing in for each other.
const TOKEN_TYPE = 'vod+jwt';
/** Long enough for a film with pauses; the owner's next fetch of the video gets a fresh one. */
export const PLAYBACK_TOKEN_TTL_SECONDS = 6 * 3600;

export class PlaybackTokens {
  private readonly keySet: ReturnType<typeof createLocalJWKSet>;

  constructor(
    private readonly ring: SigningKeyRing,
    private readonly options: { issuer: string; ttlSeconds?: number },
  ) {
    this.keySet = createLocalJWKSet(ring.jwks);
  }

  async issue(videoId: string): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: this.ring.current.kid, typ: TOKEN_TYPE })
      .setSubject(videoId)
      .setIssuer(this.options.issuer)
      .setAudience(AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + (this.options.ttlSeconds ?? PLAYBACK_TOKEN_TTL_SECONDS))
      .sign(this.ring.current.privateKey);
  }

  /** Whether `token` is a valid, unexpired playback token for exactly this video. */
  async allows(token: string, videoId: string): Promise<boolean> {
    try {
      const { payload } = await jwtVerify(token, this.keySet, {
        algorithms: [SIGNING_ALGORITHM],
        issuer: this.options.issuer,
        audience: AUDIENCE,
        typ: TOKEN_TYPE,
        requiredClaims: ['sub', 'exp'],
      });
      return payload.sub === videoId;
    } catch {
      return false;
    }
  }
}
