/**
 * What route tests of the domains built on a channel (clips, restream) share: problem+json checks, JSON
 * requests with a bearer token, unique slugs, a streamer with a channel, and that channel put live
 * through a real stream key and the channels service's publish check (as the media node does).
 */
import { type Channel, ChannelSchema, CreatedStreamKeySchema } from '@streamhub/contracts/channels';
import { ProblemSchema } from '@streamhub/contracts/problem';
import { expect } from 'vitest';
import type { GatewayApp } from '../app.ts';
import type { GatewayDeps } from '../deps.ts';
import { registerAndLogin, type SignedInUser } from './auth-helpers.ts';
import type { TestBackends } from './test-deps.ts';

/** Asserts a problem+json answer with this status and stable code. */
export async function expectProblem(response: Response, status: number, code: string): Promise<void> {
  expect(response.status, await response.clone().text()).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  expect(ProblemSchema.parse(await response.json()).code).toBe(code);
}

/** A request with a JSON body (none when `body` is undefined) and the caller's bearer token. */
export const sendJson = (method: string, body: unknown, authorization: string): RequestInit => ({
  method,
  headers: { 'Content-Type': 'application/json', Authorization: authorization },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

let slugCounter = 0;
/** A slug no other test of the run uses: the tests of a file share one database. */
export const uniqueSlug = (prefix: string) =>
  `${prefix}-${++slugCounter}-${Math.random().toString(36).slice(2, 8)}`;

export interface ChannelKit {
  app: GatewayApp;
  backends: TestBackends;
  deps: GatewayDeps;
  /** Prefix of the slugs this file makes. */
  slugPrefix: string;
}

/** A new streamer and their channel, opened through the API with `body` (title defaults to "Test channel"). */
export async function streamerWithChannel(
  kit: Pick<ChannelKit, 'app' | 'backends' | 'slugPrefix'>,
  body: Record<string, unknown> = {},
): Promise<{ owner: SignedInUser; channel: Channel }> {
  const owner = await registerAndLogin(kit.app, kit.backends, { role: 'streamer' });
  const response = await kit.app.request(
    '/api/v1/channels',
    sendJson(
      'POST',
      { slug: uniqueSlug(kit.slugPrefix), title: 'Test channel', ...body },
      owner.authorization,
    ),
  );
  expect(response.status, await response.clone().text()).toBe(201);
  return { owner, channel: ChannelSchema.parse(await response.json()) };
}

/** Creates a stream key for the channel and publishes with it: the live session the media node would get. */
export async function goLive(
  kit: Pick<ChannelKit, 'app' | 'deps'>,
  owner: SignedInUser,
  slug: string,
): Promise<{ sessionId: string; playbackId: string }> {
  const keyResponse = await kit.app.request(
    `/api/v1/channels/${slug}/keys`,
    sendJson('POST', { name: 'OBS' }, owner.authorization),
  );
  expect(keyResponse.status, await keyResponse.clone().text()).toBe(201);
  const key = CreatedStreamKeySchema.parse(await keyResponse.json());
  const decision = await kit.deps.services.channels.authorizePublish(key.secret);
  if (!decision.ok) throw new Error(`publish refused: ${decision.reason}`);
  return { sessionId: decision.sessionId, playbackId: decision.playbackId };
}
