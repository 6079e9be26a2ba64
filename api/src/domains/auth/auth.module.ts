/** The auth domain's module: accounts' sign-up and sign-in, sessions, OAuth, email flows, JWKS. */
import type { JobDefinitionsMap } from '@streamhub/contracts/jobs';
import type { JobHandlers } from '@streamhub/infra/jobs/port';
import { emailSendHandler } from '../../jobs/handlers.ts';
import { type DomainModule, type ModuleBackends, mount } from '../../modules/domain-module.ts';
import { UsersRepository } from '../users/users.repository.ts';
import { AbuseGuard } from './abuse-guard.ts';
import { AccessTokens } from './access-tokens.ts';
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

function authServices({
  config,
  db,
  events,
  jobs,
  signingKeys,
  counters,
  scrypt,
  abusePolicy,
  oauthFetch,
}: ModuleBackends) {
  const users = new UsersRepository(db);
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
    repository: new OAuthRepository(db),
    users,
    sessions,
    client: new OAuthClient(oauthFetch),
  });
  const emailFlows = new EmailFlowsService({
    tokens: new EmailTokensRepository(db),
    users,
    sessions,
    jobs,
    publicUrl: config.publicUrl,
    scrypt,
  });
  const auth = new AuthService({
    users,
    accounts: new AccountsRepository(db),
    sessions,
    abuse,
    scrypt,
    emailVerification: emailFlows,
  });
  return { abuse, auth, sessions, oauth, emailFlows };
}

export const authModule: DomainModule<
  'auth',
  unknown,
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
