/**
 * The lever FIELD-NOTES names for Node, measured in isolation: the same broadcast loop as bare-ws.ts,
 * but each message is framed once and the same bytes are written to every client's TCP socket, instead
 * of `ws.send()` framing it again per client (header allocation, cork, two writes, uncork, writev).
 * Uses `ws` internals (`_socket`, `Sender.frame`), which is why it is a reference, not product code.
 */
import type { Socket } from 'node:net';
import * as wsModule from 'ws';
import { WebSocket, WebSocketServer } from 'ws';
import { BENCH_HOST } from '../protocol.ts';
import { announceReady, stopWhenTold } from './lifecycle.ts';

interface FrameOptions {
  fin: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
  rsv1: boolean;
}
// Exported by ws (lib/sender.js) but not declared by @types/ws.
const { Sender } = wsModule as unknown as {
  Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] };
};
const socketOf = (ws: WebSocket) => (ws as unknown as { _socket: Socket })._socket;

const wss = new WebSocketServer({ host: BENCH_HOST, port: 0, perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    const payload = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer);
    const frame = Buffer.concat(
      Sender.frame(payload, {
        fin: true,
        opcode: isBinary ? 2 : 1,
        mask: false,
        readOnly: false,
        rsv1: false,
      }),
    );
    for (const client of wss.clients) {
      if (client.readyState === WebSocket.OPEN) socketOf(client).write(frame);
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
