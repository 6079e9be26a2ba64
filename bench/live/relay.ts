/**
 * A TCP pass-through in front of the RTMP server under test (StreamHub's ingest or the plain ffmpeg
 * listener). It gives both setups the same clock for "publish": the moment the publisher's TCP
 * connection is accepted, and the moment its media starts to arrive. Loopback copying costs well
 * under a millisecond per chunk and runs in the orchestrator, whose CPU is not counted.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * Bytes from the publisher that mark "media is arriving": past the RTMP handshake (3,073 bytes),
 * the connect/createStream/publish commands (< 1 KB), metadata, sequence headers and the audio that
 * precedes the first video packet (a few KB at 160 kbit/s), i.e. inside the first keyframe, which
 * at 720p and 3 Mbit/s is tens of KB.
 */
export const FIRST_MEDIA_BYTES = 20_000;

export interface RelayTimes {
  /** Epoch ms the publisher's connection was accepted. */
  connectedAt: number | undefined;
  /** Epoch ms the publisher had sent {@link FIRST_MEDIA_BYTES}. */
  firstMediaAt: number | undefined;
  bytesFromPublisher: number;
}

export interface Relay {
  port: number;
  times(): RelayTimes;
  /** Resolves once a publisher connects. */
  connected: Promise<number>;
  close(): Promise<void>;
}

export async function startRelay(targetPort: number): Promise<Relay> {
  const times: RelayTimes = { connectedAt: undefined, firstMediaAt: undefined, bytesFromPublisher: 0 };
  const sockets = new Set<Socket>();
  let markConnected: (at: number) => void = () => undefined;
  const connected = new Promise<number>((resolve) => {
    markConnected = resolve;
  });

  const server: Server = createServer((client) => {
    const at = Date.now();
    times.connectedAt ??= at;
    markConnected(at);
    client.setNoDelay(true);
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    upstream.setNoDelay(true);
    sockets.add(client);
    sockets.add(upstream);
    client.on('data', (chunk: Buffer) => {
      times.bytesFromPublisher += chunk.length;
      if (times.firstMediaAt === undefined && times.bytesFromPublisher >= FIRST_MEDIA_BYTES)
        times.firstMediaAt = Date.now();
    });
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('relay has no TCP port');

  return {
    port: address.port,
    times: () => ({ ...times }),
    connected,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
