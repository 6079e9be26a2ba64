/**
 * Why a chat message was not accepted. The WebSocket layer turns it into an `error` frame with the
 * same code; it is not an AppError because it never becomes an HTTP response.
 */
import type { WsErrorCode } from '@streamhub/contracts/realtime';

export class ChatRefusal extends Error {
  readonly code: WsErrorCode;
  readonly detail: string;
  /** When trying again makes sense: slow mode, rate limit, the rest of a time-out. */
  readonly retryAfterMs: number | undefined;

  constructor(code: WsErrorCode, detail: string, retryAfterMs?: number) {
    super(detail);
    this.name = 'ChatRefusal';
    this.code = code;
    this.detail = detail;
    this.retryAfterMs = retryAfterMs === undefined ? undefined : Math.max(0, Math.ceil(retryAfterMs));
  }
}
