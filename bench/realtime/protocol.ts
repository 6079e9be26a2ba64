/**
 * What the orchestrator, the server processes and the client workers agree on: the ready line, the
 * commands a worker reads on stdin and the events it writes on stdout (one JSON object per line), and
 * how a benchmark message carries its send time.
 */

export const BENCH_HOST = '127.0.0.1';
/** The one room every client joins (a channel slug for the gateway; ignored by the bare servers). */
export const BENCH_CHANNEL = 'bench-room';

/** The line a server process prints on stdout once it listens. */
export interface ServerReady {
  ready: true;
  port: number;
  runtime: 'node' | 'bun';
}

export function isServerReady(value: unknown): value is ServerReady {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return v.ready === true && typeof v.port === 'number' && (v.runtime === 'node' || v.runtime === 'bun');
}

/** What the orchestrator may ask of a server process on its stdin. */
export type ServerCommand = { cmd: 'gc' };

export function isServerCommand(value: unknown): value is ServerCommand {
  return typeof value === 'object' && value !== null && (value as { cmd?: unknown }).cmd === 'gc';
}

/** The server's answer once the collection ran, with what its JavaScript heap then holds. */
export interface GcDone {
  gcDone: true;
  /** `process.memoryUsage()` after the collection: heapUsed + external (socket and frame buffers). */
  liveBytes: number;
}

export const isGcDone = (value: unknown): value is GcDone =>
  typeof value === 'object' && value !== null && (value as { gcDone?: unknown }).gcDone === true;

/** `streamhub`: the `/ws` protocol (auth, join, chat.send); `bare`: raw frames, broadcast as they come. */
export type WireProtocol = 'streamhub' | 'bare';

/** A signed-in account that posts; for the bare servers only the username is used (frame shape). */
export interface SenderAccount {
  userId: string;
  username: string;
  accessToken: string;
}

export type WorkerCommand =
  | {
      cmd: 'connect';
      url: string;
      protocol: WireProtocol;
      channel: string;
      connections: number;
      /** Connections of this worker that post; they are part of `connections`. */
      senders: SenderAccount[];
      /** Handshakes in flight at once. */
      concurrency: number;
      timeoutMs: number;
    }
  | { cmd: 'disconnect' }
  | {
      cmd: 'run';
      /** Messages per second this worker sends, spread round-robin over its senders. */
      rate: number;
      /** Epoch ms at which every worker starts sending (the same for all of them). */
      startAt: number;
      warmupMs: number;
      durationMs: number;
      /** After the last send, the run ends once no chat message arrived for this long… */
      drainIdleMs: number;
      /** …or, for a server that fell behind, after this long at most. */
      maxDrainMs: number;
    }
  | { cmd: 'exit' };

export interface ConnectResult {
  event: 'connected';
  open: number;
  failed: number;
  /** First few failure reasons, for the error message. */
  errors: string[];
  ms: number;
}

export interface RunResult {
  event: 'result';
  /** Messages this worker sent, in all and within the measured window. */
  sent: number;
  sentInWindow: number;
  /** Sender-side answers (gateway only): acks, and refusals by error code. */
  acks: number;
  refusals: Record<string, number>;
  /** Chat messages received (by any of this worker's connections) with a receive time inside the window. */
  receivedInWindow: number;
  /** Deliveries of messages sent inside the window, whenever they arrived before the drain ended. */
  deliveredOfWindow: number;
  /** Send-to-receive latency of those deliveries: sparse [bin, count] pairs of LATENCY_BIN_MS bins. */
  latency: [number, number][];
  /** Connections of this worker closed by the server during the run, by close code. */
  closed: Record<string, number>;
  /** Largest lag of the send timer behind its schedule (ms): the client core could not keep up. */
  maxSendLagMs: number;
  /** How long after the last send the last delivery came (ms). */
  drainMs: number;
}

export type WorkerEvent =
  | { event: 'ready'; runtime: 'node' | 'bun' }
  | ConnectResult
  | { event: 'disconnected' }
  | RunResult
  | { event: 'error'; message: string };

export const LATENCY_BIN_MS = 0.1;

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes of one machine. */
export const nowMs = (): number => performance.timeOrigin + performance.now();

/**
 * The message text: a fixed marker, the send time, and who sent it. Receivers find the send time with
 * `indexOf` instead of parsing every frame, so the clients stay cheap.
 */
export const MESSAGE_MARKER = 'bench@';

export const messageBody = (sentAt: number, sender: string, seq: number) =>
  `${MESSAGE_MARKER}${sentAt.toFixed(3)} ${sender} #${seq}`;

/** The send time in a received chat frame, or NaN when it is not a benchmark message. */
export function sentAtOf(frame: string): number {
  const at = frame.indexOf(MESSAGE_MARKER);
  if (at < 0) return Number.NaN;
  const start = at + MESSAGE_MARKER.length;
  return Number(frame.slice(start, frame.indexOf(' ', start)));
}

/** Chat frames start with this text in both protocols (the bare senders mimic the gateway's frame). */
export const CHAT_FRAME_PREFIX = '{"type":"chat.message"';
