/**
 * One client process: opens its share of the room's connections, sends its share of the messages at a
 * steady rate and records when each chat message arrives. Runs on Bun (native WebSocket client, the
 * cheaper receiver) or on Node (`ws`). Commands come on stdin, results go to stdout, one JSON per line;
 * the worker exits when stdin closes, so it never outlives the orchestrator.
 */
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import {
  CHAT_FRAME_PREFIX,
  type ConnectResult,
  LATENCY_BIN_MS,
  messageBody,
  nowMs,
  type RunResult,
  type SenderAccount,
  sentAtOf,
  type WireProtocol,
  type WorkerCommand,
  type WorkerEvent,
} from './protocol.ts';

/** The part of the WHATWG WebSocket API both clients offer (Bun natively, Node through `ws`). */
interface ClientSocket {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number): void;
}
type SocketFactory = (url: string) => ClientSocket;

const runtime = typeof globalThis.Bun === 'undefined' ? 'node' : 'bun';

async function socketFactory(): Promise<SocketFactory> {
  if (runtime === 'bun') return (url) => new WebSocket(url) as unknown as ClientSocket;
  const { WebSocket: NodeWebSocket } = await import('ws');
  // perMessageDeflate off: the gateway does not negotiate it either, and the bare server must not.
  return (url) => new NodeWebSocket(url, { perMessageDeflate: false }) as unknown as ClientSocket;
}

const emit = (event: WorkerEvent): void => {
  process.stdout.write(`${JSON.stringify(event)}\n`);
};

interface Connection {
  socket: ClientSocket;
  sender: SenderAccount | undefined;
}

// --- receiving (the hot path: one call per delivery) ----------------------------------------------

const MAX_LATENCY_MS = 60_000;
let histogram = new Uint32Array(Math.ceil(MAX_LATENCY_MS / LATENCY_BIN_MS) + 1);
let windowStart = Number.POSITIVE_INFINITY;
let windowEnd = Number.POSITIVE_INFINITY;
let receivedInWindow = 0;
let deliveredOfWindow = 0;
let acks = 0;
let refusals: Record<string, number> = {};
let closedDuringRun: Record<string, number> = {};
let running = false;
let lastChatAt = 0;

function onChatFrame(text: string): void {
  const now = nowMs();
  lastChatAt = now;
  if (now >= windowStart && now < windowEnd) receivedInWindow += 1;
  const sentAt = sentAtOf(text);
  if (sentAt >= windowStart && sentAt < windowEnd) {
    deliveredOfWindow += 1;
    const bin = Math.min(histogram.length - 1, Math.max(0, Math.round((now - sentAt) / LATENCY_BIN_MS)));
    histogram[bin] = (histogram[bin] ?? 0) + 1;
  }
}

/** Frames other than chat messages: acks and refusals of our own posts; the rest is ignored. */
function onOtherFrame(text: string): void {
  if (text.startsWith('{"type":"ack"')) {
    acks += 1;
    return;
  }
  if (text.startsWith('{"type":"error"')) {
    const { code } = JSON.parse(text) as { code: string };
    refusals[code] = (refusals[code] ?? 0) + 1;
  }
}

// --- connecting -------------------------------------------------------------------------------------

/** Open connections; each `connect` command adds to them (the room grows from one scenario to the next). */
let connections: Connection[] = [];
let connectionSerial = 0;

function connectOne(
  factory: SocketFactory,
  command: Extract<WorkerCommand, { cmd: 'connect' }>,
  sender: SenderAccount | undefined,
  index: number,
): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const socket = factory(`${command.url}`);
    const connection: Connection = { socket, sender };
    let settled = false;
    const timer = setTimeout(() => fail('timed out'), command.timeoutMs);
    function fail(reason: string) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.onmessage = null;
      socket.close();
      reject(new Error(reason));
    }
    const done = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.onmessage = (event) => {
        const text = event.data as string;
        if (text.startsWith(CHAT_FRAME_PREFIX)) onChatFrame(text);
        else onOtherFrame(text);
      };
      resolve(connection);
    };
    socket.onerror = () => fail('socket error');
    socket.onclose = (event) => {
      if (!settled) return fail(`closed with ${event.code} before it was ready`);
      if (running) closedDuringRun[event.code] = (closedDuringRun[event.code] ?? 0) + 1;
    };
    socket.onopen = () => {
      if (command.protocol === 'bare') return done();
      // Frames are handled in order, so the join sees the auth; `joined` means both were taken.
      if (sender) socket.send(JSON.stringify({ type: 'auth', token: sender.accessToken }));
      socket.send(
        JSON.stringify({ type: 'join', channel: command.channel, viewerId: `bench_${process.pid}_${index}` }),
      );
    };
    socket.onmessage = (event) => {
      const text = event.data as string;
      if (text.startsWith('{"type":"joined"')) done();
      else if (text.startsWith('{"type":"error"')) fail(`refused: ${text}`);
    };
  });
}

async function connectAll(factory: SocketFactory, command: Extract<WorkerCommand, { cmd: 'connect' }>) {
  const started = Date.now();
  const errors: string[] = [];
  let failed = 0;
  let next = 0;
  const opened: Connection[] = [];
  const lane = async () => {
    while (next < command.connections) {
      const index = next++;
      try {
        opened.push(await connectOne(factory, command, command.senders[index], connectionSerial++));
      } catch (error) {
        failed += 1;
        if (errors.length < 5) errors.push((error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, command.concurrency) }, lane));
  connections.push(...opened);
  const result: ConnectResult = {
    event: 'connected',
    open: opened.length,
    failed,
    errors,
    ms: Date.now() - started,
  };
  emit(result);
}

// --- sending ----------------------------------------------------------------------------------------

function chatFrame(
  protocol: WireProtocol,
  channel: string,
  sender: SenderAccount,
  body: string,
  seq: number,
) {
  if (protocol === 'streamhub') return JSON.stringify({ type: 'chat.send', channel, body, nonce: `n${seq}` });
  // The same shape and size as the gateway's chat.message frame, so both servers move the same bytes.
  return JSON.stringify({
    type: 'chat.message',
    channel,
    message: {
      id: randomUUID(),
      author: { id: sender.userId, username: sender.username, displayName: null },
      body,
      sentAt: new Date().toISOString(),
    },
  });
}

async function run(
  command: Extract<WorkerCommand, { cmd: 'run' }>,
  protocol: WireProtocol,
  channel: string,
): Promise<void> {
  histogram = new Uint32Array(histogram.length);
  receivedInWindow = 0;
  deliveredOfWindow = 0;
  acks = 0;
  refusals = {};
  closedDuringRun = {};
  windowStart = command.startAt + command.warmupMs;
  windowEnd = windowStart + command.durationMs;
  running = true;

  const senders = connections.filter((c) => c.sender !== undefined);
  const sendUntil = windowEnd;
  const intervalMs = 1000 / command.rate;
  let sent = 0;
  let sentInWindow = 0;
  let maxSendLagMs = 0;
  const tag = `w${process.pid}`;

  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = nowMs();
      // Catch up on every message that is due: a late timer must not lower the offered rate.
      while (true) {
        const due = command.startAt + sent * intervalMs;
        if (due >= sendUntil) return resolve();
        if (due > now) break;
        maxSendLagMs = Math.max(maxSendLagMs, now - due);
        const connection = senders[sent % senders.length];
        if (connection?.sender && connection.socket.readyState === 1) {
          const sentAt = nowMs();
          const body = messageBody(sentAt, tag, sent);
          connection.socket.send(chatFrame(protocol, channel, connection.sender, body, sent));
          if (sentAt >= windowStart && sentAt < windowEnd) sentInWindow += 1;
        }
        sent += 1;
      }
      setTimeout(tick, Math.max(0, command.startAt + sent * intervalMs - nowMs()));
    };
    if (senders.length === 0 || command.rate <= 0) {
      setTimeout(resolve, Math.max(0, sendUntil - nowMs()));
      return;
    }
    setTimeout(tick, Math.max(0, command.startAt - nowMs()));
  });
  // A server that fell behind is still delivering: wait for the room to go quiet, so that the backlog
  // neither leaks into the next run nor goes uncounted.
  const sendsEnded = nowMs();
  while (nowMs() - Math.max(lastChatAt, sendsEnded) < command.drainIdleMs) {
    if (nowMs() - sendsEnded > command.maxDrainMs) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const drainMs = Math.max(0, lastChatAt - sendsEnded);
  running = false;

  const latency: [number, number][] = [];
  for (let bin = 0; bin < histogram.length; bin++) {
    const count = histogram[bin] ?? 0;
    if (count > 0) latency.push([bin, count]);
  }
  const result: RunResult = {
    event: 'result',
    sent,
    sentInWindow,
    acks,
    refusals,
    receivedInWindow,
    deliveredOfWindow,
    latency,
    closed: closedDuringRun,
    maxSendLagMs,
    drainMs,
  };
  emit(result);
}

async function disconnectAll(): Promise<void> {
  const closing = connections.map(
    (c) =>
      new Promise<void>((resolve) => {
        if (c.socket.readyState >= 2) return resolve();
        const timer = setTimeout(resolve, 5_000);
        c.socket.onclose = () => {
          clearTimeout(timer);
          resolve();
        };
        c.socket.close(1000);
      }),
  );
  await Promise.all(closing);
  connections = [];
}

// --- command loop -----------------------------------------------------------------------------------

const factory = await socketFactory();
let protocol: WireProtocol = 'bare';
let channel = '';
let queue = Promise.resolve();
const input = createInterface({ input: process.stdin });
input.on('line', (line) => {
  const command = JSON.parse(line) as WorkerCommand;
  queue = queue
    .then(async () => {
      switch (command.cmd) {
        case 'connect':
          protocol = command.protocol;
          channel = command.channel;
          return connectAll(factory, command);
        case 'run':
          return run(command, protocol, channel);
        case 'disconnect':
          await disconnectAll();
          emit({ event: 'disconnected' });
          return;
        case 'exit':
          process.exit(0);
      }
    })
    .catch((error: unknown) => emit({ event: 'error', message: String((error as Error).stack ?? error) }));
});
// The orchestrator is gone (or done): never linger with thousands of open sockets.
input.on('close', () => process.exit(0));
emit({ event: 'ready', runtime });
