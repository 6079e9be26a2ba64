/**
 * A body over BODY_LIMIT_BYTES, sent by real clients to real servers (Node's and Bun's): a complete
 * 413 problem+json that says `Connection: close`, a connection the server then closes cleanly (no
 * reset), and a keep-alive client that goes on working on a new connection.
 */
import { Agent, request } from 'node:http';
import type { Socket } from 'node:net';
import { PROBLEM_CONTENT_TYPE, ProblemSchema } from '@streamhub/contracts/problem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRAIN_MAX_BYTES } from './body-limit.ts';
import {
  type Gateway,
  gatewayOnBun,
  gatewayOnNode,
  type RawOutcome,
  rawExchange,
} from './testing/gateways.ts';

const LIMIT = 1024;
const OVER_LIMIT = 64 * 1024;
const PATH = '/api/v1/auth/login';

const HEAD = `POST ${PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nConnection: keep-alive\r\n`;
const payload = (size: number) => JSON.stringify({ email: 'x'.repeat(size), password: 'x' });

function expectCleanTooLarge(outcome: RawOutcome): void {
  expect(outcome.error).toBeUndefined();
  expect(outcome.status).toBe(413);
  expect(outcome.headers.get('connection')?.toLowerCase()).toBe('close');
  expect(outcome.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
  expect(ProblemSchema.parse(JSON.parse(outcome.body)).code).toBe('payload_too_large');
  expect(outcome.trailing).toBe('');
}

interface AgentOutcome {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  socket: Socket;
}

function viaAgent(
  agent: Agent,
  port: number,
  method: string,
  path: string,
  body?: { text: string; chunked: boolean },
): Promise<AgentOutcome> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (body && !body.chunked) headers['content-length'] = String(Buffer.byteLength(body.text));
    const req = request({ host: '127.0.0.1', port, method, path, agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, socket }));
      res.on('error', reject);
    });
    let socket: Socket;
    req.on('socket', (s) => {
      socket = s;
    });
    req.on('error', reject);
    if (body) {
      // Several writes, so a chunked request really is sent in chunks.
      for (let at = 0; at < body.text.length; at += 8192) req.write(body.text.slice(at, at + 8192));
    }
    req.end();
  });
}

describe.each([
  ['Node', gatewayOnNode],
  ['Bun', gatewayOnBun],
])('a body over the limit on %s', (_runtime, start) => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await start({ BODY_LIMIT_BYTES: String(LIMIT) });
  });
  afterAll(() => gateway?.stop());

  it('with Content-Length: a complete 413 with Connection: close, then a clean close', async () => {
    const body = payload(OVER_LIMIT);
    const outcome = await rawExchange(gateway.port, (socket) => {
      socket.write(`${HEAD}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`);
      socket.write(body);
    });
    expectCleanTooLarge(outcome);
  });

  it('chunked: a complete 413 with Connection: close, then a clean close', async () => {
    const body = payload(OVER_LIMIT);
    const outcome = await rawExchange(gateway.port, (socket) => {
      socket.write(`${HEAD}Transfer-Encoding: chunked\r\n\r\n`);
      for (let at = 0; at < body.length; at += 8192) {
        const part = body.slice(at, at + 8192);
        socket.write(`${Buffer.byteLength(part).toString(16)}\r\n${part}\r\n`);
      }
      socket.write('0\r\n\r\n');
    });
    expectCleanTooLarge(outcome);
  });

  it('announced far past what is worth draining: answered at once, without reading it', async () => {
    const outcome = await rawExchange(gateway.port, (socket) => {
      socket.write(`${HEAD}Content-Length: ${LIMIT + DRAIN_MAX_BYTES + 1}\r\n\r\n`);
    });
    expectCleanTooLarge(outcome);
  });

  it.each([
    ['Content-Length', false],
    ['chunked', true],
  ])('a keep-alive client (%s) gets the 413 and goes on, on a new connection', async (_kind, chunked) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const refused = await viaAgent(agent, gateway.port, 'POST', PATH, {
        text: payload(OVER_LIMIT),
        chunked,
      });
      expect(refused.status).toBe(413);
      expect(refused.headers.connection).toBe('close');
      expect(ProblemSchema.parse(JSON.parse(refused.body)).code).toBe('payload_too_large');
      const next = await viaAgent(agent, gateway.port, 'GET', '/healthz');
      expect(next.status).toBe(200);
      expect(next.socket).not.toBe(refused.socket);
      // And a body within the limit still reaches the route.
      const small = await viaAgent(agent, gateway.port, 'POST', PATH, {
        text: JSON.stringify({ email: 'nobody@example.test', password: 'x' }),
        chunked,
      });
      expect(small.status).toBe(401);
    } finally {
      agent.destroy();
    }
  });
});
