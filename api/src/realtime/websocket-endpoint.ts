/** How a runtime's server exposes the realtime hub: the path, frame limits and the client address rule. */
import type { RealtimeHub } from './realtime-hub.ts';

export const WEBSOCKET_PATH = '/ws';

export interface WebSocketEndpoint {
  hub: RealtimeHub;
  /**
   * Frames above this are refused by the runtime (close 1009). Below it, frames above the protocol's own
   * WS_FRAME_MAX_BYTES get an error frame and the connection stays open.
   */
  maxPayloadBytes: number;
  /**
   * A client whose unsent frames pass this is closed (4001) instead of slowing its rooms; each runtime's
   * transport checks it its own way.
   */
  maxBufferedBytes: number;
  /** Protocol pings; a client that has not answered the previous one by the next is dropped. */
  pingIntervalMs: number;
  /** The client's address from the upgrade request's X-Forwarded-For (when trusted) and its peer address. */
  clientIp(forwardedFor: string | undefined, remoteAddress: string | undefined): string;
}
