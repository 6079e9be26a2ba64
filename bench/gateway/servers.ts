/** The servers under test and how each is started (paths relative to the repository root). */

export interface ServerSpec {
  id: string;
  label: string;
  command: string;
  args: string[];
  /** Writes one log line per request to its log file. */
  logs: boolean;
  /** What the pre-flight check demands of the response beyond status 200 and a JSON body. */
  expect: { cors: boolean; requestId: boolean };
}

export interface Runtimes {
  node: string;
  bun: string;
}

const FULL_STACK = { cors: true, requestId: true };
const onNode = (runtimes: Runtimes, file: string) => ({
  command: runtimes.node,
  args: ['--import', 'tsx', file],
});

export const STREAMHUB_NODE = 'streamhub-node';
export const STREAMHUB_BUN = 'streamhub-bun';
export const FASTIFY = 'fastify';
export const EXPRESS = 'express';
export const BARE_NODE = 'bare-node';
export const BARE_BUN = 'bare-bun';

export function benchServers(runtimes: Runtimes): ServerSpec[] {
  return [
    {
      id: STREAMHUB_NODE,
      label: 'StreamHub gateway, Node (serveOnNode)',
      ...onNode(runtimes, 'bench/gateway/servers/streamhub.ts'),
      logs: true,
      expect: FULL_STACK,
    },
    {
      id: STREAMHUB_BUN,
      label: 'StreamHub gateway, Bun (serveOnBun)',
      command: runtimes.bun,
      args: ['bench/gateway/servers/streamhub.ts'],
      logs: true,
      expect: FULL_STACK,
    },
    {
      id: FASTIFY,
      label: 'Fastify 5 + helmet, cors, rate-limit, pino',
      ...onNode(runtimes, 'bench/gateway/servers/fastify.ts'),
      logs: true,
      expect: FULL_STACK,
    },
    {
      id: EXPRESS,
      label: 'Express 5 + helmet, cors, rate-limit, pino-http',
      ...onNode(runtimes, 'bench/gateway/servers/express.ts'),
      logs: true,
      expect: FULL_STACK,
    },
    {
      id: BARE_NODE,
      label: 'bare node:http (no middleware)',
      ...onNode(runtimes, 'bench/gateway/servers/bare.ts'),
      logs: false,
      expect: { cors: false, requestId: true },
    },
    {
      id: BARE_BUN,
      label: 'bare Bun.serve (no middleware)',
      command: runtimes.bun,
      args: ['bench/gateway/servers/bare-bun.ts'],
      logs: false,
      expect: { cors: false, requestId: true },
    },
  ];
}
