/**
 * The set-up `/ws` tests share: in-process backends on PGlite, a gateway with its hub on a real Node
 * server, a streamer and one channel whose room the tests join, and the sockets they open.
 */
import { createApp, type GatewayApp } from '../../app.ts';
import type { GatewayDeps } from '../../deps.ts';
import { registerAndLogin, type SignedInUser } from '../../testing/auth-helpers.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { connectWs, type TestWsClient } from '../../testing/ws-client.ts';
import type { createRealtimeHub } from '../create-hub.ts';
import { createTestChannel, type RealtimeServer, serveRealtime } from './realtime-server.ts';

export interface RealtimeRoom extends RealtimeServer {
  backends: TestBackends;
  deps: GatewayDeps;
  app: GatewayApp;
  /** The streamer who owns the channel. */
  owner: SignedInUser;
  /** The channel's slug: its room. */
  slug: string;
  /** A `/ws` client of `base` (this server's unless given) past its `hello`, closed by `closeClients`. */
  connect(base?: string): Promise<TestWsClient>;
  /** Closes every socket `connect` opened (after each test). */
  closeClients(): Promise<void>;
  /** Stops the server and its hub, then closes the backends. */
  close(): Promise<void>;
}

export async function startRealtimeRoom(options: {
  /** The gateway's environment on top of the test defaults. */
  env: Record<string, string>;
  /** Starts the channel's slug (a random tail follows). */
  slugPrefix: string;
  hub?: Parameters<typeof createRealtimeHub>[2];
}): Promise<RealtimeRoom> {
  const backends = await createTestBackends('pglite');
  const deps = backends.deps(options.env);
  const app = createApp(deps).app;
  const served = await serveRealtime(app, deps, backends, options.hub ? { hub: options.hub } : {});
  const owner = await registerAndLogin(app, backends, { role: 'streamer' });
  const slug = `${options.slugPrefix}-${Math.random().toString(36).slice(2, 8)}`;
  await createTestChannel(app, owner.authorization, slug);
  const clients: TestWsClient[] = [];
  return {
    ...served,
    backends,
    deps,
    app,
    owner,
    slug,
    async connect(base = served.base) {
      const client = await connectWs(base);
      clients.push(client);
      await client.next('hello');
      return client;
    },
    async closeClients() {
      await Promise.all(clients.splice(0).map((client) => client.close()));
    },
    async close() {
      await served.server.close();
      await backends.close();
    },
  };
}
