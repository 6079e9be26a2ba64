/**
 * The gateway's typed client for tests (`hc<GatewayApp>`), on a running gateway by URL or in process
 * through `app.request`: test set-up written with it stops compiling when a route or a field of the
 * contracts changes, instead of failing at run time.
 */
import { type ClientResponse, DetailedError, hc, parseResponse } from 'hono/client';
import type { StatusCode } from 'hono/utils/http-status';
import type { GatewayApp } from '../app.ts';

export type GatewayClient = ReturnType<typeof hc<GatewayApp>>;

/** Every route of the gateway at `target` (a base URL or an app), sending `authorization` if given. */
export function gatewayClient(target: string | GatewayApp, authorization?: string): GatewayClient {
  const headers = authorization ? { authorization } : undefined;
  if (typeof target === 'string') return hc<GatewayApp>(target, { headers });
  return hc<GatewayApp>('http://localhost', {
    headers,
    // `preconnect` only satisfies Bun's `typeof fetch`.
    fetch: Object.assign((input: string | URL | Request, init?: RequestInit) => target.request(input, init), {
      preconnect: fetch.preconnect,
    }),
  });
}

/** The body of a 2xx answer, typed by its route; any other answer fails with its status and body. */
export async function ok<R extends ClientResponse<unknown, StatusCode, string>>(call: Promise<R>) {
  try {
    return await parseResponse(call);
  } catch (error) {
    if (!(error instanceof DetailedError)) throw error;
    throw new Error(`${error.message}: ${JSON.stringify(error.detail?.data)}`);
  }
}
