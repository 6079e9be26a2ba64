/**
 * A real HTTP receiver on 127.0.0.1 for webhook tests: records every request with its raw body and
 * answers with the status `respond` picks (200 unless told otherwise), or a redirect.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The body as sent, for signature checks. */
  raw: string;
  receivedAt: number;
  /** The client's side of the connection: which connection carried the request. */
  remoteAddress: string | undefined;
  remotePort: number | undefined;
}

export interface Answer {
  status: number;
  location?: string;
  /** Holds the answer this long (timeouts). */
  delayMs?: number;
}

export interface WebhookReceiver {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** Decides the answer to each request (it is already recorded when this runs). */
  respond: (request: ReceivedRequest) => Answer;
  close(): Promise<void>;
}

/**
 * Starts a receiver on 127.0.0.1 and a free port, or where `at` says (another loopback address, e.g.
 * to stand for a second address of one host name).
 */
export async function startWebhookReceiver(
  respond: (request: ReceivedRequest) => Answer = () => ({ status: 200 }),
  at: { host: string; port: number } = { host: '127.0.0.1', port: 0 },
): Promise<WebhookReceiver> {
  const receiver = { requests: [] as ReceivedRequest[], respond } as WebhookReceiver;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        raw: Buffer.concat(chunks).toString('utf8'),
        receivedAt: Date.now(),
        remoteAddress: req.socket.remoteAddress,
        remotePort: req.socket.remotePort,
      };
      receiver.requests.push(request);
      const answer = receiver.respond(request);
      const reply = () => {
        res.writeHead(answer.status, answer.location ? { location: answer.location } : {});
        res.end('ok');
      };
      if (answer.delayMs) setTimeout(reply, answer.delayMs);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(at.port, at.host, resolve));
  const { port } = server.address() as AddressInfo;
  receiver.port = port;
  receiver.url = `http://${at.host}:${port}/hook`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}
