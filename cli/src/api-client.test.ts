/**
 * The typed client is what makes a contract change break the CLI at compile time. `bun run typecheck`
 * checks the `@ts-expect-error` lines below: each is a mistake (a path, parameter, query, body or
 * answer schema that does not fit the gateway's routes) that must stay a compile error. The runtime
 * part checks the requests hc builds from the same calls.
 */
import { ChannelSchema } from '@streamhub/contracts/channels';
import { MyAccountSchema } from '@streamhub/contracts/users';
import { VideoSchema } from '@streamhub/contracts/videos';
import { freePort } from '@streamhub/infra/shared/free-port';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type ApiClient, connectApi, pathParams } from './api-client.ts';
import type { CliContext } from './cli-context.ts';
import { CliError } from './cli-error.ts';

const ctx: CliContext = { env: {}, cwd: '/', stdout: () => {}, stderr: () => {}, isTty: false };
// Anonymous with an explicit URL: nothing is read from disk.
const client = (url = 'http://127.0.0.1:9') => connectApi(ctx, { url }, { anonymous: true });

/** Never called: only compiled. Each line after a `@ts-expect-error` must fail to compile. */
export function mistakesThatDoNotCompile(api: ApiClient, id: string) {
  const param = pathParams({ id });
  return [
    // @ts-expect-error a path the gateway does not have
    api.v1.channels.mien.$get(),
    // @ts-expect-error a method the route does not have
    api.v1.videos[':id'].$put({ param }),
    // @ts-expect-error a path parameter under another name
    api.v1.videos[':id'].$get({ param: { videoId: id } }),
    // @ts-expect-error a path parameter left out
    api.v1.channels[':slug'].keys.$get({}),
    // @ts-expect-error a query parameter the route does not take
    api.v1.me.videos.$get({ query: { limt: '5' } }),
    // @ts-expect-error a body without a required field (slug)
    api.v1.channels.$post({ json: { title: 'Mine' } }),
    // @ts-expect-error a body field of the wrong type
    api.v1.auth.login.$post({ json: { email: 'a@example.test', password: 12345678 } }),
    // @ts-expect-error an answer schema of another shape than the route's 200
    api.read(api.v1.me.channel.$get(), VideoSchema),
    // @ts-expect-error an empty answer expected from a route that answers 200 with a body
    api.read(api.v1.me.$get(), z.undefined()),
    // @ts-expect-error a body expected from a route that answers 204
    api.read(api.v1.videos[':id'].$delete({ param }), VideoSchema),
    // The same calls, right:
    api.read(api.v1.me.$get(), MyAccountSchema),
    api.read(api.v1.me.channel.$get(), ChannelSchema),
    api.read(api.v1.videos[':id'].$delete({ param }), z.undefined()),
  ];
}

describe('the typed API client', () => {
  it('builds paths from typed routes, percent-encoding path parameters', async () => {
    const api = await client();
    expect(api.v1.videos[':id'].$url({ param: pathParams({ id: 'a/b?c' }) }).href).toBe(
      'http://127.0.0.1:9/api/v1/videos/a%2Fb%3Fc',
    );
    const keys = api.v1.channels[':slug'].keys[':id'].rotate.$url({
      param: pathParams({ slug: 'my-channel', id: 'k 1' }),
    });
    expect(keys.pathname).toBe('/api/v1/channels/my-channel/keys/k%201/rotate');
    expect(api.v1.me.videos.$url({ query: { limit: '5' } }).search).toBe('?limit=5');
    expect(api.routes.readyz.$url().pathname).toBe('/readyz');
  });

  it('turns a typed call that reaches no gateway into one CliError line', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const api = await client(url);
    await expect(api.read(api.v1.me.$get(), MyAccountSchema)).rejects.toThrow(
      new CliError(`cannot reach StreamHub at ${url} (connection failed)`),
    );
  });
});
