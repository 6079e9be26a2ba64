/** The auth domain's module: accounts' sign-up and sign-in, sessions, OAuth, email flows, JWKS. */
import type { JobDefinitionsMap } from '@streamhub/contracts/jobs';
import type { JobHandlers } from '@streamhub/infra/jobs/port';
import { emailSendHandler } from '../../jobs/handlers.ts';
import { type DomainModule, type ModuleBackends, mount } from '../../modules/domain-module.ts';
import { AbuseGuard } from './abuse-guard.ts';
import { AccessTokens } from './access-tokens.ts';
import type { AccountStoreOn } from './account-store.ts';
import { authRoutes, jwksRoutes } from './auth.routes.ts';
import { AuthService } from './auth.service.ts';
import { emailFlowRoutes } from './email-flows.routes.ts';
import { EmailFlowsService } from './email-flows.service.ts';
import { EmailTokensRepository } from './email-tokens.repository.ts';
import { AccountsRepository } from './first-account.ts';
import { OAuthRepository } from './oauth.repository.ts';
import { oauthRoutes } from './oauth.routes.ts';
import { OAuthService } from './oauth.service.ts';
import { OAuthClient } from './oauth-client.ts';
import { SessionService } from './session.service.ts';
import { SessionsRepository } from './sessions.repository.ts';

type AuthServices = ReturnType<typeof authServices>;

/** What auth needs and may not import: the accounts, which the users module provides as a port. */
export interface AuthNeeds {
  accountStore: AccountStoreOn;
}
interface AuthRoutes {
  mounts: ReturnType<typeof authMounts>;
}

const authMounts = () =>
  [
    mount('/', jwksRoutes()),
    mount('/api/v1/auth', authRoutes()),
    mount('/api/v1/auth', emailFlowRoutes()),
    mount('/api/v1/auth/oauth', oauthRoutes()),
  ] as const;

function authServices(
  { config, db, events, jobs, signingKeys, counters, scrypt, abusePolicy, oauthFetch }: ModuleBackends,
  { accountStore }: AuthNeeds,
) {
  // Types cannot see a module list built without users; a process without accounts must not start.
  if (!accountStore) throw new Error('the auth module needs the accountStore port of the users module');
  const users = accountStore(db);
  const abuse = new AbuseGuard(counters, abusePolicy);
  const accessTokens = new AccessTokens(signingKeys, {
    issuer: config.publicUrl,
    ttlSeconds: config.auth.accessTokenTtlSeconds,
  });
  const sessions = new SessionService({
    sessions: new SessionsRepository(db),
    accessTokens,
    refreshTtlSeconds: config.auth.refreshTokenTtlSeconds,
    events,
  });
  const oauth = new OAuthService({
    oauth: config.oauth,
    publicUrl: config.publicUrl,
    repository: new OAuthRepository(db, accountStore),
    users,
    sessions,
    client: new OAuthClient(oauthFetch),
  });
  const emailFlows = new EmailFlowsService({
    tokens: new EmailTokensRepository(db, accountStore),
    users,
    sessions,
    jobs,
    publicUrl: config.publicUrl,
    scrypt,
  });
  const auth = new AuthService({
    users,
    accounts: new AccountsRepository(db, accountStore),
    sessions,
    abuse,
    scrypt,
    emailVerification: emailFlows,
  });
  return { abuse, auth, sessions, oauth, emailFlows };
}

export const authModule: DomainModule<
  'auth',
  AuthNeeds,
  AuthServices,
  AuthRoutes,
  Pick<JobHandlers<JobDefinitionsMap>, 'email.send'>
> = {
  name: 'auth',
  services: authServices,
  routes: authMounts,
  // Verification and password-reset links.
  jobs: (_services, { mailer }) => ({ 'email.send': emailSendHandler(mailer) }),
};
