/** The gateway's typed request context: what middleware puts into `c.var`. */
import type { Config } from '@streamhub/config/config';
import type { Logger } from '@streamhub/logger/logger';
import type { Context } from 'hono';
import type { GatewayDeps } from './deps.ts';

export interface AppEnv {
  Variables: {
    requestId: string;
    log: Logger;
    config: Config;
    deps: GatewayDeps;
  };
}

export type AppContext = Context<AppEnv>;
