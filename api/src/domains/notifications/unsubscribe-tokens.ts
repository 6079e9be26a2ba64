/**
 * Signed one-click unsubscribe tokens (docs/notifications.md): a JWT naming the user and the kind of
 * notification, signed with the instance's signing keys, so the link works without signing in and
 * cannot be forged for someone else. It does not expire: old emails' links keep working.
 */
import { NOTIFICATION_KINDS, type NotificationType } from '@streamhub/contracts/notifications';
import { AppError } from '@streamhub/errors/app-error';
import { createLocalJWKSet, jwtVerify, SignJWT } from 'jose';
import { SIGNING_ALGORITHM, type SigningKeyRing } from '../auth/signing-keys.ts';

const AUDIENCE = 'streamhub:notifications:unsubscribe';

export interface Unsubscription {
  userId: string;
  type: NotificationType;
}

const invalidToken = () =>
  new AppError(400, 'invalid_unsubscribe_token', 'This unsubscribe link is not valid.');

export class UnsubscribeTokens {
  private readonly keySet: ReturnType<typeof createLocalJWKSet>;

  constructor(private readonly ring: SigningKeyRing) {
    this.keySet = createLocalJWKSet(ring.jwks);
  }

  issue({ userId, type }: Unsubscription): Promise<string> {
    return new SignJWT({ nt: type })
      .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: this.ring.current.kid })
      .setSubject(userId)
      .setAudience(AUDIENCE)
      .sign(this.ring.current.privateKey);
  }

  /** The unsubscription a token stands for; `invalid_unsubscribe_token` for anything else. */
  async verify(token: string): Promise<Unsubscription> {
    try {
      const { payload } = await jwtVerify(token, this.keySet, {
        audience: AUDIENCE,
        algorithms: [SIGNING_ALGORITHM],
      });
      const type = payload.nt;
      if (
        typeof payload.sub !== 'string' ||
        typeof type !== 'string' ||
        !Object.hasOwn(NOTIFICATION_KINDS, type)
      ) {
        throw invalidToken();
      }
      return { userId: payload.sub, type: type as NotificationType };
    } catch {
      throw invalidToken();
    }
  }
}
