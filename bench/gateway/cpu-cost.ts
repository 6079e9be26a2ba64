/**
 * Server CPU per request on a machine too busy for `run.ts` and `ablation.ts`: there the load generator
 * (autocannon, a full core when it gets one) starves, the servers idle at a few per cent of a core, and
 * req/s and CPU per request measure the neighbours. Here the client is a few pipelined keep-alive
 * sockets writing requests in batches and counting status lines, which costs it little CPU, so each
 * server gets requests faster than it answers them whenever it runs: its CPU time over a fixed number
 * of requests (from `/proc`) is then its cost per request, whatever else runs.
 *
 *   node --import tsx bench/gateway/cpu-cost.ts [--rounds 5] [--requests 20000] [--routes plain]
 *     [--only streamhub-node,fastify,...] [--baseline-checkout <dir>]
 *
 * Servers: those of `run.ts` (Bun ones when Bun is found), plus `baseline`, the Node gateway of another
 * checkout (`--baseline-checkout`). Each round measures every server once, order rotated per round;
 * medians over rounds are reported with the ratios the issue 19 targets use.
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { assertRunning, type StartedServer, startFleet } from './fleet.ts';
import { describeMachine, machineInfo } from './machine.ts';
import { rotate } from './measure.ts';
import { BENCH_HOST, BENCH_ORIGIN, BENCH_ROUTES, type BenchAuth, type BenchRoute } from './protocol.ts';
import { median } from './report.ts';
import {
  BARE_BUN,
  BARE_NODE,
  benchServers,
  FASTIFY,
  type ServerSpec,
  STREAMHUB_BUN,
  STREAMHUB_NODE,
} from './servers.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    requests: { type: 'string', default: '20000' },
    connections: { type: 'string', default: '8' },
    depth: { type: 'string', default: '16' },
    routes: { type: 'string', default: 'plain' },
    only: { type: 'string', default: '' },
    bun: { type: 'string', default: 'bun' },
    'baseline-checkout': { type: 'string' },
    'database-url': {
      type: 'string',
      default: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/streamhub_bench_gateway',
    },
  },
  strict: true,
});
const rounds = Number(values.rounds);
const requests = Number(values.requests);
const connections = Number(values.connections);
const depth = Number(values.depth);
const routes = values.routes.split(',').filter(Boolean) as BenchRoute[];
const only = values.only.split(',').filter(Boolean);
const machine = machineInfo(values.bun);

const baseline: ServerSpec[] = values['baseline-checkout']
  ? [
      {
        id: 'baseline',
        label: `gateway of ${values['baseline-checkout']}, Node`,
        command: process.execPath,
        args: [
          '--import',
          'tsx',
          join(resolve(values['baseline-checkout']), 'bench/gateway/servers/streamhub-variant.ts'),
          '--variant=full',
        ],
        logs: true,
        expect: { cors: true, requestId: true },
      },
    ]
  : [];
const bunServer = (s: ServerSpec) => s.id === STREAMHUB_BUN || s.id === BARE_BUN;
const specs = [...benchServers({ node: process.execPath, bun: values.bun }), ...baseline].filter(
  (s) => (only.length === 0 || only.includes(s.id)) && (machine.bun !== null || !bunServer(s)),
);

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Sends `total` requests over pipelined sockets; resolves with the count of 2xx and other answers. */
function drive(port: number, request: Buffer, total: number): Promise<{ ok: number; other: number }> {
  let sent = 0;
  let ok = 0;
  let other = 0;
  return new Promise((done, fail) => {
    let open = connections;
    for (let i = 0; i < connections; i++) {
      const socket = connect(port, BENCH_HOST);
      socket.setNoDelay(true);
      let outstanding = 0;
      let tail = '';
      const send = (n: number) => {
        const count = Math.min(n, total - sent);
        if (count <= 0) return;
        sent += count;
        outstanding += count;
        socket.write(Buffer.concat(Array.from({ length: count }, () => request)));
      };
      socket.on('connect', () => send(depth));
      socket.on('data', (chunk: Buffer) => {
        // Status lines only; a split across chunks is caught by keeping the last bytes.
        const text = tail + chunk.toString('latin1');
        let at = text.indexOf('HTTP/1.1 ');
        let last = 0;
        while (at !== -1 && at + 12 <= text.length) {
          if (text.charCodeAt(at + 9) === 50) ok++;
          else other++;
          outstanding--;
          last = at + 12;
          at = text.indexOf('HTTP/1.1 ', last);
        }
        tail = text.slice(Math.max(last, text.length - 11));
        if (ok + other >= total) {
          socket.end();
          return;
        }
        if (outstanding <= depth / 2) send(depth - outstanding);
        if (outstanding === 0 && sent >= total) socket.end();
      });
      socket.on('error', fail);
      socket.on('close', () => {
        open--;
        if (open === 0) done({ ok, other });
      });
    }
  });
}

const log = (line: string) => process.stderr.write(`${line}\n`);
log(`machine: ${describeMachine(machine)}`);
log(
  `CPU per request: ${rounds} rounds × ${requests} requests per server and route, ${connections} sockets × ${depth} pipelined`,
);
const started = new Date();
const fleet = await startFleet(
  specs,
  { cpu: 0, nodePath: process.execPath, databaseUrl: values['database-url'] },
  log,
);
const results = new Map<string, number[]>();
try {
  for (const route of routes) {
    const auth: BenchAuth = fleet.auth;
    const request = Buffer.from(
      `GET ${BENCH_ROUTES[route]} HTTP/1.1\r\nHost: ${BENCH_HOST}\r\nOrigin: ${BENCH_ORIGIN}\r\n` +
        (route === 'auth' ? `Authorization: Bearer ${auth.token}\r\n` : '') +
        '\r\n',
    );
    for (let round = 1; round <= rounds; round++) {
      for (const s of rotate(fleet.servers, round - 1)) {
        assertRunning(s);
        const port = Number(new URL(s.urls[route]).port);
        // A short warm-up so that each measurement starts with a running JIT.
        await drive(port, request, Math.min(1000, requests));
        const before = cpuSeconds(s.server.pid);
        const t0 = performance.now();
        const { ok, other } = await drive(port, request, requests);
        const seconds = (performance.now() - t0) / 1000;
        const micros = ((cpuSeconds(s.server.pid) - before) / ok) * 1e6;
        if (other > 0) throw new Error(`${s.spec.id}: ${other} non-2xx answers on ${route}`);
        if (ok < requests) {
          // Seen with Bun on `auth` (deep pipelines of requests carrying the bearer token): no figure.
          log(
            `round ${round}/${rounds} ${route} ${s.spec.id}: only ${ok} of ${requests} answered, not counted`,
          );
          continue;
        }
        const key = `${route} ${s.spec.id}`;
        results.set(key, [...(results.get(key) ?? []), micros]);
        log(
          `round ${round}/${rounds} ${route} ${s.spec.id}: ${micros.toFixed(1)} µs/req (${(ok / seconds / 1000).toFixed(1)}k req/s)`,
        );
      }
    }
  }
} finally {
  await fleet.close();
}

const lines = [
  '',
  `Server CPU per request (median of ${rounds} rounds), ${started.toISOString()}: ${describeMachine(machine)}`,
  '',
];
lines.push(
  '| route | server | CPU µs/req (median) | rounds (min … max) | × Fastify (capacity) | × bare (same runtime) |',
);
lines.push('| --- | --- | --- | --- | --- | --- |');
const medianOf = (route: string, id: string) => {
  const list = results.get(`${route} ${id}`);
  return list ? median(list) : undefined;
};
for (const route of routes) {
  for (const s of fleet.servers as StartedServer[]) {
    const list = results.get(`${route} ${s.spec.id}`) ?? [];
    if (list.length === 0) continue;
    const m = median(list);
    const fastify = medianOf(route, FASTIFY);
    const bare = medianOf(route, bunServer(s.spec) ? BARE_BUN : BARE_NODE);
    lines.push(
      `| ${route} | ${s.spec.id} | ${m.toFixed(1)} | ${Math.min(...list).toFixed(1)} … ${Math.max(...list).toFixed(1)} | ` +
        `${fastify ? (fastify / m).toFixed(2) : '–'} | ${bare ? (bare / m).toFixed(2) : '–'} |`,
    );
  }
}
lines.push(
  '',
  `(${STREAMHUB_NODE} and baseline compare against bare-node; ${STREAMHUB_BUN} against bare-bun.)`,
  '',
);
process.stdout.write(lines.join('\n'));
