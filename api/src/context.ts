/** The gateway's typed request context: what middleware puts into `c.var`. */
import type { Config } from '@streamhub/config/config';
import type { Logger } from '@streamhub/logger/logger';
import type { Context } from 'hono';
import type { GatewayDeps } from './deps.ts';
import type { AuthContext } from './domains/auth/session.service.ts';

export interface AppEnv {
  Variables: {
    requestId: string;
    /** Set on first use by `requestLog(c)`; read it through that. */
    log: Logger | undefined;
    config: Config;
    deps: GatewayDeps;
    /** Set by `requireAuth`; only read it behind that guard. */
    auth: AuthContext;
  };
}

export type AppContext = Context<AppEnv>;
