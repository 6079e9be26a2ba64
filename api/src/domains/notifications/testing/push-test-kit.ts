/**
 * What the push tests (Web Push, FCM) share: a gateway on PGlite whose push port is the test's, with
 * the job runner and the outbox relay running, so a go-live travels the real path (outbox → fan-out →
 * `notifications.deliver` → push port); and the calls and waits those tests make.
 */
import {
  type PushRegistration,
  PushRegistrationListSchema,
  PushRegistrationSchema,
} from '@streamhub/contracts/notifications';
import { createMediaStorage } from '@streamhub/infra/media-storage/factory';
import { createApp, type GatewayApp } from '../../../app.ts';
import type { GatewayDeps } from '../../../deps.ts';
import { createLogMailer } from '../../../mail/log-mailer.ts';
import { moduleJobHandlers } from '../../../modules/run-modules.ts';
import { MODULES } from '../../../modules.ts';
import type { Outbox } from '../../../runtime/outbox.ts';
import { registerAndLogin, type SignedInUser } from '../../../testing/auth-helpers.ts';
import { createTestBackends, type TestBackends } from '../../../testing/test-deps.ts';
import { startTestOutbox } from '../../../testing/test-outbox.ts';
import {
  expectJson,
  MANY_LOGINS_POLICY,
  type StreamerChannel,
  send,
  streamerWithChannel,
} from '../../engagement/engagement-test-kit.ts';
import type { PushPort } from '../push-port.ts';

/** The instance URL every push test's notifications link to. */
export const PUSH_TEST_PUBLIC_URL = 'https://streams.example.test';

export interface PushTestGateway {
  backends: TestBackends;
  deps: GatewayDeps;
  app: GatewayApp;
  /** A new signed-in account. */
  user(): Promise<SignedInUser>;
  /** `POST /notifications/push/registrations` as `user`; the raw response. */
  register(user: SignedInUser, body: unknown): Promise<Response>;
  /** `user`'s registered devices. */
  registrations(user: SignedInUser): Promise<PushRegistration[]>;
  /** A streamer's channel that every one of `followers` follows; `goLive()` starts its stream. */
  followedChannel(followers: SignedInUser[]): Promise<StreamerChannel>;
  close(): Promise<void>;
}

/** Starts the gateway, its jobs and its outbox relay; `env` adds settings (e.g. the VAPID keys). */
export async function startPushTestGateway(
  push: PushPort,
  env: Record<string, string> = {},
): Promise<PushTestGateway> {
  const backends = await createTestBackends('pglite');
  const deps = backends.deps(
    { PUBLIC_URL: PUSH_TEST_PUBLIC_URL, ...env },
    {},
    { abusePolicy: MANY_LOGINS_POLICY, notificationPush: push },
  );
  const { app } = createApp(deps);
  await backends.jobs.start(
    moduleJobHandlers(MODULES, deps.services, {
      config: deps.config,
      logger: deps.logger,
      events: backends.events,
      media: createMediaStorage({ dataDir: deps.config.dataDir }),
      mailer: createLogMailer(deps.logger),
    }),
  );
  let outbox: Outbox;
  try {
    outbox = await startTestOutbox(backends, deps);
  } catch (error) {
    await backends.close();
    throw error;
  }
  return {
    backends,
    deps,
    app,
    user: () => registerAndLogin(app, backends),
    register: async (user, body) =>
      app.request('/api/v1/notifications/push/registrations', send('POST', body, user)),
    registrations: async (user) =>
      (
        await expectJson(
          await app.request('/api/v1/notifications/push/registrations', send('GET', undefined, user)),
          PushRegistrationListSchema,
        )
      ).items,
    async followedChannel(followers) {
      const channel = await streamerWithChannel(app, backends, deps);
      for (const follower of followers) {
        const followed = await app.request(
          `/api/v1/channels/${channel.slug}/follow`,
          send('PUT', undefined, follower),
        );
        if (!followed.ok) throw new Error(`follow answered ${followed.status}`);
      }
      return channel;
    },
    async close() {
      await outbox.close();
      await backends.close();
    },
  };
}

/** Registers a device for `user` and checks the API took it. */
export async function registerDevice(
  gateway: PushTestGateway,
  user: SignedInUser,
  body: unknown,
): Promise<PushRegistration> {
  return expectJson(await gateway.register(user, body), PushRegistrationSchema, 201);
}

/** Polls `check` until it holds, or fails naming `what` after `timeoutMs`. */
export async function eventually(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
