/**
 * The authenticated route of the servers that are not StreamHub (Fastify, Express, bare node:http, bare
 * Bun.serve), doing the gateway's work for `GET /api/v1/auth/session`: verify the ES256 access token
 * with jose as strictly as `AccessTokens.verify`, then read the session joined with its user, one
 * `SELECT` through postgres.js (the driver under the gateway's drizzle), with the same pool size.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import postgres from 'postgres';
import { BENCH_AUTH_FILE, type BenchAuth } from '../protocol.ts';

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface SessionAnswer {
  userId: string;
  sessionId: string;
  role: string;
  emailVerified: boolean;
}

export interface PeerAuth {
  /** The caller of a valid token with a live session; undefined otherwise (the server answers 401). */
  session(authorization: string | undefined): Promise<SessionAnswer | undefined>;
  close(): Promise<void>;
}

interface StandingRow {
  user_id: string;
  role: string;
  status: string;
  email_verified: boolean;
  revoked_at: Date | null;
  expires_at: Date;
}

export function openPeerAuth(dataDir: string, databaseUrl: string): PeerAuth {
  const auth = JSON.parse(readFileSync(join(dataDir, BENCH_AUTH_FILE), 'utf8')) as BenchAuth;
  const keySet = createLocalJWKSet(auth.jwks);
  const sql = postgres(databaseUrl, { max: 10, onnotice: () => {} });
  return {
    async session(authorization) {
      const token = authorization?.match(BEARER)?.[1];
      if (!token) return undefined;
      const payload = await jwtVerify(token, keySet, {
        algorithms: ['ES256'],
        issuer: auth.issuer,
        audience: auth.audience,
        typ: 'at+jwt',
        requiredClaims: ['sub', 'sid', 'exp', 'iat'],
      }).then(
        (verified) => verified.payload,
        () => undefined,
      );
      const { sub, sid } = payload ?? {};
      if (typeof sub !== 'string' || typeof sid !== 'string' || !UUID.test(sub) || !UUID.test(sid)) {
        return undefined;
      }
      const [row] = await sql<StandingRow[]>`
        select s.revoked_at, s.expires_at, u.id as user_id, u.role, u.status,
               u.email_verified_at is not null as email_verified
        from auth.sessions s join users.users u on u.id = s.user_id
        where s.id = ${sid} limit 1`;
      if (!row || row.user_id !== sub || row.revoked_at !== null || row.expires_at <= new Date()) {
        return undefined;
      }
      if (row.status !== 'active') return undefined;
      return { userId: row.user_id, sessionId: sid, role: row.role, emailVerified: row.email_verified };
    },
    close: () => sql.end(),
  };
}
