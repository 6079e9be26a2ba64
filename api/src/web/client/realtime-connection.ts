/** One `/ws` connection that comes back by itself: reconnects with growing, jittered delays. */
import type { ClientFrame, ServerFrame } from '@streamhub/contracts/realtime';

export interface RealtimeHandlers {
  /** The socket is open: (re-)authenticate and (re-)join here, the server forgot the old connection. */
  opened(): void;
  frame(frame: ServerFrame): void;
  /** The socket closed; it reconnects after `retryInMs`. */
  closed(retryInMs: number): void;
}

export interface RealtimeConnection {
  /** False when the socket is not open (the frame is dropped: chat is not queued across outages). */
  send(frame: ClientFrame): boolean;
}

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

export function connectRealtime(url: string, handlers: RealtimeHandlers): RealtimeConnection {
  let socket: WebSocket | undefined;
  let failures = 0;

  const open = () => {
    const current = new WebSocket(url);
    socket = current;
    current.addEventListener('open', () => {
      failures = 0;
      handlers.opened();
    });
    current.addEventListener('message', (event) => {
      const frame = parseFrame(event.data);
      if (frame) handlers.frame(frame);
    });
    current.addEventListener('close', () => {
      if (socket !== current) return;
      // Jitter spreads the reconnects of a whole audience after a gateway restart.
      const ceiling = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** failures);
      const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
      failures += 1;
      handlers.closed(delay);
      setTimeout(open, delay);
    });
  };
  open();

  return {
    send(frame) {
      if (socket?.readyState !== WebSocket.OPEN) return false;
      socket.send(JSON.stringify(frame));
      return true;
    },
  };
}

// The gateway speaks ServerFrameSchema; shipping zod to the browser to re-check it is not worth its weight,
// so only the envelope is checked and unknown types fall through the handlers' switch.
function parseFrame(data: unknown): ServerFrame | undefined {
  if (typeof data !== 'string') return undefined;
  try {
    const value: unknown = JSON.parse(data);
    if (
      typeof value === 'object' &&
      value !== null &&
      typeof (value as { type?: unknown }).type === 'string'
    ) {
      return value as ServerFrame;
    }
  } catch {}
  return undefined;
}
