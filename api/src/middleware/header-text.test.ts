/**
 * Headers become text too (the user agent is stored with each session). Node's and Bun's HTTP parsers
 * refuse a NUL or another control character in a header value before the app runs; the text guard
 * relies on that, so it is pinned here on both runtimes. Bytes 0x80–0xFF arrive as Latin-1 text,
 * which PostgreSQL stores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, gatewayOnBun, gatewayOnNode, rawExchange } from './testing/gateways.ts';

const login = (userAgent: string) =>
  Buffer.concat([
    Buffer.from('POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: '),
    Buffer.from(userAgent, 'latin1'),
    Buffer.from('\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}'),
  ]);

describe.each([
  ['Node', gatewayOnNode],
  ['Bun', gatewayOnBun],
])('a control character in a header on %s', (_runtime, start) => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await start();
  });
  afterAll(() => gateway?.stop());

  it('is refused by the HTTP parser with a 400, before the app', async () => {
    for (const userAgent of ['a\u0000b', 'a\u0001b']) {
      const outcome = await rawExchange(gateway.port, (socket) => socket.write(login(userAgent)));
      expect(outcome.status, JSON.stringify(userAgent)).toBe(400);
    }
    // The control: the same request with a plain user agent reaches the route's validation.
    const plain = await rawExchange(gateway.port, (socket) => socket.write(login('curl/8')));
    expect(plain.status).toBe(422);
  });
});
