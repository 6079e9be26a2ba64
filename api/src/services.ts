/** Builds every domain service on the process's backends; the gateway reaches them through `c.var.deps`. */
import type { Config } from '@streamhub/config/config';
import type { DomainEvents } from '@streamhub/contracts/events';
import type { JobDefinitionsMap } from '@streamhub/contracts/jobs';
import type { Db } from '@streamhub/db/client';
import type { EventBus } from '@streamhub/infra/event-bus/port';
import type { JobQueue } from '@streamhub/infra/jobs/port';
import { AccessTokens } from './domains/auth/access-tokens.ts';
import { AuthService } from './domains/auth/auth.service.ts';
import { OAuthRepository } from './domains/auth/oauth.repository.ts';
import { OAuthService } from './domains/auth/oauth.service.ts';
import { type FetchFn, OAuthClient } from './domains/auth/oauth-client.ts';
import type { ScryptParams } from './domains/auth/password.ts';
import { SessionService } from './domains/auth/session.service.ts';
import { SessionsRepository } from './domains/auth/sessions.repository.ts';
import type { SigningKeyRing } from './domains/auth/signing-keys.ts';
import { UsersRepository } from './domains/users/users.repository.ts';

export interface GatewayServices {
  auth: AuthService;
  sessions: SessionService;
  oauth: OAuthService;
}

export interface ServiceBackends {
  config: Config;
  db: Db;
  events: EventBus<DomainEvents>;
  jobs: JobQueue<JobDefinitionsMap>;
  signingKeys: SigningKeyRing;
  /** Cheaper password hashing for tests. */
  scrypt?: ScryptParams;
  /** How the OAuth service reaches GitHub and Google; defaults to the global fetch. */
  oauthFetch?: FetchFn;
}

export function createServices({
  config,
  db,
  events,
  signingKeys,
  scrypt,
  oauthFetch,
}: ServiceBackends): GatewayServices {
  const users = new UsersRepository(db);
  const accessTokens = new AccessTokens(signingKeys, {
    issuer: config.publicUrl,
    ttlSeconds: config.auth.accessTokenTtlSeconds,
  });
  const sessions = new SessionService({
    sessions: new SessionsRepository(db),
    accessTokens,
    refreshTtlSeconds: config.auth.refreshTokenTtlSeconds,
  });
  const oauth = new OAuthService({
    oauth: config.oauth,
    publicUrl: config.publicUrl,
    repository: new OAuthRepository(db),
    users,
    sessions,
    events,
    client: new OAuthClient(oauthFetch),
  });
  return { auth: new AuthService({ users, sessions, events, scrypt }), sessions, oauth };
}
