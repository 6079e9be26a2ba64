import type { Context } from 'hono';

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
}

export type RemoteAddressResolver = (c: Context) => string | undefined;
