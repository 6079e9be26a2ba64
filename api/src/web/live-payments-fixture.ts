/**
 * What the signed-in forms' browser tests start from: a gateway with the media node in-process that
 * takes payments through a local server speaking Stripe's API, its accounts provisioned, and a channel
 * with a subscription tier that real ffmpeg pushes over RTMP (with a DVR window, so it can be clipped).
 */
import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type TokenPair, TokenPairSchema } from '@streamhub/contracts/auth';
import { CreatedStreamKeySchema, PublicChannelSchema } from '@streamhub/contracts/channels';
import { killPublishers, startPublisher } from '@streamhub/media-node/testing/process-helpers';
import { type StripeApiServer, startStripeApiServer } from '../domains/payments/testing/stripe-api-server.ts';
import { encodeUploadMetadata } from '../domains/videos/tus.ts';
import { type LiveGateway, postJson, startLiveGateway, videoStatusOf } from './browser-test-kit.ts';

export const FIXTURE_PASSWORD = 'a long test password';

export interface Account {
  email: string;
  username: string;
  role?: 'streamer' | 'admin';
}

export interface LivePaymentsFixture {
  server: LiveGateway;
  stripe: StripeApiServer;
  base: string;
  login(email: string): Promise<TokenPair>;
  /** Opens `slug` for `owner` and pushes real RTMP to it for `seconds`; resolves once the API says it is live. */
  goLive(owner: Account, slug: string, title: string, seconds: number): Promise<void>;
  close(): Promise<void>;
}

export async function startLivePaymentsFixture(accounts: Account[]): Promise<LivePaymentsFixture> {
  const stripe = await startStripeApiServer();
  const server = await startLiveGateway(
    accounts.map((account) => ({ ...account, password: FIXTURE_PASSWORD })),
    {
      STRIPE_SECRET_KEY: stripe.secretKey,
      STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
      STRIPE_CONNECT_WEBHOOK_SECRET: stripe.connectWebhookSecret,
      STRIPE_API_URL: stripe.url,
      // Without a DVR window the live playlist keeps only a few segments: too few to clip 10 s.
      LIVE_DVR_SECONDS: '120',
    },
  );
  const { base } = server;
  const login = async (email: string) =>
    TokenPairSchema.parse(await postJson(base, '/api/v1/auth/login', { email, password: FIXTURE_PASSWORD }));
  const live = async (slug: string) =>
    PublicChannelSchema.parse(await (await fetch(`${base}/api/v1/channels/${slug}`)).json()).live;

  return {
    server,
    stripe,
    base,
    login,
    async goLive(owner, slug, title, seconds) {
      const token = (await login(owner.email)).accessToken;
      await postJson(base, '/api/v1/channels', { slug, title, category: 'software' }, token);
      const key = CreatedStreamKeySchema.parse(
        await postJson(base, `/api/v1/channels/${slug}/keys`, { name: 'OBS' }, token),
      );
      startPublisher(`rtmp://127.0.0.1:${server.rtmpPort}/live/${key.secret}`, seconds, '640x360');
      for (const deadline = Date.now() + 60_000; !(await live(slug)); ) {
        if (Date.now() > deadline) throw new Error(`${slug} did not go live`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
    async close() {
      killPublishers();
      await server.gateway.close();
      await stripe.close();
    },
  };
}

/** A real video of `seconds` (ffmpeg's test pattern and a tone), written to a temporary file. */
export async function makeVideoFile(seconds: number): Promise<string> {
  const path = join(tmpdir(), `signed-in-forms-${crypto.randomUUID()}.mp4`);
  await promisify(execFile)('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25'],
    ...['-f', 'lavfi', '-i', 'sine=frequency=330:sample_rate=48000', '-t', String(seconds)],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-y', path],
  ]);
  return path;
}

/** Uploads `seconds` of video over tus as `token`'s account; resolves with its id once processed. */
export async function uploadReadyVideo(
  base: string,
  token: string,
  title: string,
  seconds: number,
): Promise<string> {
  const file = await makeVideoFile(seconds);
  const bytes = await readFile(file);
  await rm(file, { force: true });
  const tus = { Authorization: `Bearer ${token}`, 'Tus-Resumable': '1.0.0' };
  const created = await fetch(`${base}/api/v1/uploads`, {
    method: 'POST',
    headers: {
      ...tus,
      'Upload-Length': String(bytes.length),
      'Upload-Metadata': encodeUploadMetadata({ title }),
    },
  });
  if (created.status !== 201) throw new Error(`tus create: ${created.status} ${await created.text()}`);
  const location = created.headers.get('location') ?? '';
  const sent = await fetch(`${base}${location}`, {
    method: 'PATCH',
    headers: { ...tus, 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': '0' },
    body: bytes,
  });
  if (sent.status !== 204) throw new Error(`tus patch: ${sent.status} ${await sent.text()}`);
  const id = location.split('/').at(-1) ?? '';
  for (const deadline = Date.now() + 180_000; (await videoStatusOf(base, id)) !== 'ready'; ) {
    if (Date.now() > deadline)
      throw new Error(`the upload was not processed: ${await videoStatusOf(base, id)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return id;
}
