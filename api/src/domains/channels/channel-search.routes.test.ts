/** `GET /api/v1/search/channels`: matching, order, LIKE wildcards taken literally, and its 4xx. */
import { ChannelSearchResultSchema, CreateChannelRequestSchema } from '@streamhub/contracts/channels';
import { ProblemSchema } from '@streamhub/contracts/problem';
import { testDatabases } from '@streamhub/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../../app.ts';
import type { GatewayDeps } from '../../deps.ts';
import { registerAndLogin } from '../../testing/auth-helpers.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';

describe.each(testDatabases())('GET /api/v1/search/channels on %s', (driver) => {
  let backends: TestBackends;
  let deps: GatewayDeps;
  let app: GatewayApp;
  // Unique to this run, so that channels other test files made never match.
  const word = `quokka${crypto.randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    backends = await createTestBackends(driver);
    deps = backends.deps();
    app = createApp(deps).app;
  });
  afterAll(() => backends.close());

  async function channel(slug: string, title: string, tags: string[] = []) {
    const owner = await registerAndLogin(app, backends, { role: 'streamer' });
    await deps.services.channels.create(
      owner.account.id,
      CreateChannelRequestSchema.parse({ slug: `${slug}-${word.slice(6)}`, title, tags }),
    );
    return { owner, slug: `${slug}-${word.slice(6)}` };
  }

  const search = async (query: string) => {
    const response = await app.request(`/api/v1/search/channels?${query}`);
    expect(response.status, await response.clone().text()).toBe(200);
    return ChannelSearchResultSchema.parse(await response.json()).items.map((item) => item.slug);
  };

  it('finds every word in the slug, title, tags or streamer, case-insensitively, live channels first', async () => {
    const quiet = await channel('aaa-quiet', `A ${word} evening`);
    const tagged = await channel('bbb-tagged', 'Untitled', [`${word.toUpperCase()}s`]);
    const onAir = await channel('zzz-on-air', `Zz ${word} live show`);
    const other = await channel('ccc-other', 'Nothing to see');
    const key = await deps.services.channels.createKey(onAir.owner.account.id, onAir.slug, 'OBS');
    expect((await deps.services.channels.authorizePublish(key.secret)).ok).toBe(true);

    expect(await search(`q=${word.toUpperCase()}`)).toEqual([onAir.slug, quiet.slug, tagged.slug]);
    // Every word must match: "evening" narrows it to one.
    expect(await search(`q=${word}%20EVENING`)).toEqual([quiet.slug]);
    expect(await search(`q=${word}&limit=1`)).toEqual([onAir.slug]);
    // By the streamer's username.
    expect(await search(`q=${other.owner.account.username}`)).toEqual([other.slug]);
    // The answer is the public view: live state and playback, no owner ids.
    const response = await app.request(`/api/v1/search/channels?q=${word}`);
    const [first] = ChannelSearchResultSchema.parse(await response.json()).items;
    expect(first?.live).toBe(true);
    expect(first?.session?.playbackUrl).toMatch(/master\.m3u8$/);
    expect(JSON.stringify(first)).not.toContain(onAir.owner.account.id);
  });

  it('takes %, _ and \\ as text, not as patterns', async () => {
    const percent = await channel('percent', `100% ${word}`);
    await channel('plain', `100 ${word}`);
    expect(await search(`q=${encodeURIComponent(`100% ${word}`)}`)).toEqual([percent.slug]);
    expect(await search(`q=${encodeURIComponent(`_00 ${word}`)}`)).toEqual([]);
    expect(await search(`q=${encodeURIComponent(`\\ ${word}`)}`)).toEqual([]);
  });

  it('refuses a missing, empty or too long query and a limit out of range with 422', async () => {
    for (const query of [
      '',
      'q=',
      'q=%20%20',
      `q=${'x'.repeat(101)}`,
      'q=a&limit=0',
      'q=a&limit=101',
      'q=a&limit=x',
    ]) {
      const response = await app.request(`/api/v1/search/channels?${query}`);
      expect(response.status, query).toBe(422);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(ProblemSchema.parse(await response.json()).code).toBe('validation_failed');
    }
  });
});
