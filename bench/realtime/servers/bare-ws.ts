/**
 * The ceiling: a bare `ws` server that sends every incoming message to every client with the naive
 * loop over `wss.clients` (FIELD-NOTES' baseline). No protocol, no rooms, no checks, no storage.
 */
import { WebSocket, WebSocketServer } from 'ws';
import { BENCH_HOST } from '../protocol.ts';
import { announceReady, stopWhenTold } from './lifecycle.ts';

const wss = new WebSocketServer({ host: BENCH_HOST, port: 0, perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    for (const client of wss.clients) {
      if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
    }
  });
});
wss.on('listening', () => {
  const address = wss.address();
  if (typeof address === 'string' || address === null) throw new Error(`unexpected address ${address}`);
  announceReady(address.port);
});
stopWhenTold(
  () =>
    new Promise<void>((resolve) => {
      for (const client of wss.clients) client.terminate();
      wss.close(() => resolve());
    }),
);
