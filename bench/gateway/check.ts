/** One request before measuring, so that a broken server cannot produce a figure. */
import { BENCH_ORIGIN, type BenchAuth, type BenchRoute } from './protocol.ts';
import type { ServerSpec } from './servers.ts';

/** The headers the load generator sends on a route: the bench origin, and the access token on `auth`. */
export function routeHeaders(route: BenchRoute, auth: BenchAuth): Record<string, string> {
  return route === 'auth'
    ? { origin: BENCH_ORIGIN, authorization: `Bearer ${auth.token}` }
    : { origin: BENCH_ORIGIN };
}

export async function checkResponse(
  spec: ServerSpec,
  route: BenchRoute,
  url: string,
  auth: BenchAuth,
): Promise<void> {
  const fail = (problem: string): never => {
    throw new Error(`${spec.id}: pre-flight check of GET ${url} failed: ${problem}`);
  };
  const response = await fetch(url, {
    headers: routeHeaders(route, auth),
    signal: AbortSignal.timeout(5_000),
  });
  const text = await response.text();
  if (response.status !== 200) fail(`status ${response.status}: ${text.slice(0, 200)}`);
  if (spec.expect.requestId && !response.headers.get('x-request-id')) fail('no X-Request-Id header');
  if (!response.headers.get('content-type')?.startsWith('application/json')) {
    fail(`content-type ${response.headers.get('content-type')}`);
  }
  if (spec.expect.cors && response.headers.get('access-control-allow-origin') !== BENCH_ORIGIN) {
    fail(`Access-Control-Allow-Origin is ${response.headers.get('access-control-allow-origin')}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    fail(`body is not JSON: ${text.slice(0, 200)}`);
  }
  const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const expected = route === 'auth' ? fields.userId === auth.userId : fields.name === 'streamhub';
  if (!expected) fail(`unexpected body: ${text.slice(0, 200)}`);
}
