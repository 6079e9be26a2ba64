/**
 * Viewer ids and view tokens, both keyed by the day's salt (salts.repository.ts). An anonymous viewer is
 * HMAC(salt, address + user agent): the same person gets one id for a day and a new one the next, and
 * the address is never stored. A view token is the view's identity signed with HMAC(salt), so beacons
 * are checked without a database round trip and cannot name a target the view was not started for.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { TargetType } from './analytics-store.ts';
import type { SaltsRepository } from './salts.repository.ts';

/** Beacons of an older view are refused: its player starts a new view (docs/analytics.md). */
export const VIEW_TOKEN_TTL_MS = 24 * 3600_000;
/** Salts are kept this many days: today's and yesterday's tokens verify. */
export const SALT_DAYS_KEPT = 2;

export const utcDay = (at: Date) => at.toISOString().slice(0, 10);

const ViewClaimsSchema = z.object({
  viewId: z.uuid(),
  startedAt: z.number().int(),
  day: z.iso.date(),
  targetType: z.enum(['video', 'live']),
  targetId: z.uuid(),
  channelId: z.uuid().nullable(),
  viewerId: z.string(),
  referrer: z.string(),
  device: z.string(),
  /** The viewer's key in the channel's presence (live views); tokens made before it existed lack it. */
  presenceKey: z.string().max(140).optional(),
});
/** What a view token carries. `startedAt` is in whole seconds since the epoch. */
export type ViewClaims = z.infer<typeof ViewClaimsSchema> & { targetType: TargetType };

export class DailySalts {
  private readonly cache = new Map<string, Promise<string>>();

  constructor(private readonly repository: SaltsRepository) {}

  salt(day: string): Promise<string> {
    let salt = this.cache.get(day);
    if (!salt) {
      salt = this.repository.saltOf(day);
      // A failed read is not cached: the next beacon tries again.
      salt.catch(() => this.cache.delete(day));
      this.cache.set(day, salt);
      for (const known of this.cache.keys())
        if (known < day && this.cache.size > SALT_DAYS_KEPT + 1) this.cache.delete(known);
    }
    return salt;
  }

  /** Drops salts older than those tokens may still need. */
  async prune(now: Date): Promise<void> {
    await this.repository.deleteBefore(utcDay(new Date(now.getTime() - (SALT_DAYS_KEPT - 1) * 86_400_000)));
  }
}

const mac = (salt: string, purpose: string, value: string) =>
  createHmac('sha256', salt).update(`${purpose}\n${value}`).digest('base64url');

export class ViewTokens {
  constructor(private readonly salts: DailySalts) {}

  /** `u:<user id>` for a signed-in viewer, else a daily-rotating anonymous id. */
  async viewerId(userId: string | undefined, address: string, userAgent: string, now: Date): Promise<string> {
    if (userId) return `u:${userId}`;
    const salt = await this.salts.salt(utcDay(now));
    return `a:${mac(salt, 'viewer', `${address}\n${userAgent}`).slice(0, 22)}`;
  }

  async sign(claims: ViewClaims): Promise<string> {
    // Checked once here, so that `verify` may trust whatever carries a valid signature.
    const body = Buffer.from(JSON.stringify(ViewClaimsSchema.parse(claims))).toString('base64url');
    return `${body}.${mac(await this.salts.salt(claims.day), 'view', body)}`;
  }

  /**
   * The claims of a valid, unexpired token; undefined for anything else. The signature is checked before
   * the claims are: only this server signs them, so a token whose signature holds carries claims of the
   * shape `sign` wrote, and the schema is not run on every beacon (it was most of this method's cost).
   */
  async verify(token: string, now: Date): Promise<ViewClaims | undefined> {
    const dot = token.indexOf('.');
    if (dot <= 0 || token.indexOf('.', dot + 1) !== -1) return undefined;
    const body = token.slice(0, dot);
    const signature = token.slice(dot + 1);
    let claims: unknown;
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString());
    } catch {
      return undefined;
    }
    // A token lives at most a day, so its salt is today's or yesterday's: no other day's salt is
    // looked up (or made) for whatever a forged token names.
    const day = (claims as { day?: unknown } | null)?.day;
    if (day !== utcDay(now) && day !== utcDay(new Date(now.getTime() - 86_400_000))) return undefined;
    const expected = Buffer.from(mac(await this.salts.salt(day), 'view', body));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const { startedAt } = claims as ViewClaims;
    const age = now.getTime() - startedAt * 1000;
    return age < -60_000 || age > VIEW_TOKEN_TTL_MS ? undefined : (claims as ViewClaims);
  }
}
