/** One request before measuring, so that a broken server cannot produce a figure. */
import { BENCH_ORIGIN } from './protocol.ts';
import type { ServerSpec } from './servers.ts';

export async function checkResponse(spec: ServerSpec, url: string): Promise<void> {
  const fail = (problem: string): never => {
    throw new Error(`${spec.id}: pre-flight check of GET ${url} failed: ${problem}`);
  };
  const response = await fetch(url, {
    headers: { origin: BENCH_ORIGIN },
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
  if (typeof body !== 'object' || body === null || (body as { name?: unknown }).name !== 'streamhub') {
    fail(`unexpected body: ${text.slice(0, 200)}`);
  }
}
