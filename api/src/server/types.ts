import type { Context } from 'hono';
import type { WebSocketEndpoint } from '../realtime/websocket-endpoint.ts';

/** A started HTTP server, whichever runtime serves it. */
export interface RunningServer {
  /** The bound port (useful when started on port 0). */
  port: number;
  /** Stops accepting, lets in-flight requests finish (up to the grace period), then closes the rest. */
  close(): Promise<void>;
}

export interface ServeOptions {
  fetch(request: Request, env: unknown): Response | Promise<Response>;
  host: string;
  port: number;
  /** How long in-flight requests may take to finish on close. */
  gracePeriodMs: number;
  /** Serve the realtime hub at WEBSOCKET_PATH. */
  websocket?: WebSocketEndpoint;
}

export type RemoteAddressResolver = (c: Context) => string | undefined;
