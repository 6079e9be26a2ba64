/**
 * A second reference for the Bun gateway: Bun's native pub/sub (`subscribe` + `server.publish`), which
 * frames a message once for all subscribers. Bun only.
 */
import { BENCH_HOST } from '../protocol.ts';
import { announceReady, stopWhenTold } from './lifecycle.ts';

const ROOM = 'room';
const bun = globalThis.Bun;
if (!bun) throw new Error('bare-bun.ts needs the Bun runtime');
const server = bun.serve({
  hostname: BENCH_HOST,
  port: 0,
  fetch(request, srv) {
    if (srv.upgrade(request, { data: undefined })) return undefined;
    return new Response('WebSocket only', { status: 426 });
  },
  websocket: {
    open(ws) {
      ws.subscribe(ROOM);
    },
    message(_ws, message) {
      server.publish(ROOM, message);
    },
  },
});
announceReady(server.port ?? 0);
stopWhenTold(() => server.stop(true));
