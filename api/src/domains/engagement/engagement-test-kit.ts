/** Test helpers of the engagement route tests: requests, problem checks, channels and live sessions. */
import { ChannelSchema, CreatedStreamKeySchema } from '@streamhub/contracts/channels';
import { ProblemSchema } from '@streamhub/contracts/problem';
import { expect } from 'vitest';
import type { GatewayApp } from '../../app.ts';
import type { GatewayDeps } from '../../deps.ts';
import { registerAndLogin, type SignedInUser } from '../../testing/auth-helpers.ts';
import type { TestBackends } from '../../testing/test-deps.ts';
import { type AbusePolicy, DEFAULT_ABUSE_POLICY } from '../auth/abuse-guard.ts';

/** These files sign in more users from one address than the login limit allows; it has its own tests. */
export const MANY_LOGINS_POLICY: AbusePolicy = {
  ...DEFAULT_ABUSE_POLICY,
  perIp: {
    ...DEFAULT_ABUSE_POLICY.perIp,
    register: { max: 10_000, windowMs: 60_000 },
    login: { max: 10_000, windowMs: 60_000 },
  },
};

export const expectProblem = async (response: Response, status: number, code: string) => {
  expect(response.status, await response.clone().text()).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  const body = ProblemSchema.parse(await response.json());
  expect(body.code).toBe(code);
  return body;
};

export const send = (method: string, body?: unknown, user?: SignedInUser): RequestInit => ({
  method,
  headers: {
    ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    ...(user ? { Authorization: user.authorization } : {}),
  },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

/** Parses a 2xx JSON response with `schema`, showing the body when the status is wrong. */
export async function expectJson<T>(
  response: Response,
  schema: { parse(value: unknown): T },
  status = 200,
): Promise<T> {
  expect(response.status, await response.clone().text()).toBe(status);
  return schema.parse(await response.json());
}

/** Polls until `check` passes or the deadline is reached (events are delivered asynchronously). */
export async function eventually(check: () => void, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

let slugCounter = 0;
const uniqueSlug = () => `eng-${++slugCounter}-${Math.random().toString(36).slice(2, 8)}`;

export interface StreamerChannel {
  owner: SignedInUser;
  slug: string;
  channelId: string;
  /** Opens a live session the way the media node does; returns its id. */
  goLive(): Promise<string>;
}

/** A streamer with a channel and a stream key, created over the API. */
export async function streamerWithChannel(
  app: GatewayApp,
  backends: TestBackends,
  deps: GatewayDeps,
): Promise<StreamerChannel> {
  const owner = await registerAndLogin(app, backends, { role: 'streamer' });
  const channel = await expectJson(
    await app.request('/api/v1/channels', send('POST', { slug: uniqueSlug(), title: 'Streaming' }, owner)),
    ChannelSchema,
    201,
  );
  const key = await expectJson(
    await app.request(`/api/v1/channels/${channel.slug}/keys`, send('POST', { name: 'OBS' }, owner)),
    CreatedStreamKeySchema,
    201,
  );
  return {
    owner,
    slug: channel.slug,
    channelId: channel.id,
    goLive: async () => {
      const decision = await deps.services.channels.authorizePublish(key.secret);
      if (!decision.ok) throw new Error(`publish refused: ${decision.reason}`);
      return decision.sessionId;
    },
  };
}
