/** Decoding client frames and encoding server frames of the `/ws` protocol (packages/contracts/src/realtime.ts). */
import {
  ChatMessageFrameSchema,
  type ClientFrame,
  ClientFrameSchema,
  type ServerFrame,
  WS_FRAME_MAX_BYTES,
  type WsErrorCode,
} from '@streamhub/contracts/realtime';

export type DecodedFrame =
  | { ok: true; frame: ClientFrame }
  | { ok: false; code: WsErrorCode; detail: string; nonce?: string };

/** Text or binary payload as the runtimes hand it over. */
export type RawFrame = string | Buffer | ArrayBuffer | Buffer[];

function toText(raw: RawFrame): { text: string; bytes: number } {
  if (typeof raw === 'string') return { text: raw, bytes: Buffer.byteLength(raw) };
  const buffer = Array.isArray(raw)
    ? Buffer.concat(raw)
    : raw instanceof ArrayBuffer
      ? Buffer.from(raw)
      : raw;
  return { text: buffer.toString('utf8'), bytes: buffer.byteLength };
}

/** The nonce of an otherwise invalid frame, so the client can still match the error to what it sent. */
function nonceOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || !('nonce' in value)) return undefined;
  const nonce = value.nonce;
  return typeof nonce === 'string' && nonce.length <= 64 ? nonce : undefined;
}

export function decodeClientFrame(raw: RawFrame): DecodedFrame {
  const { text, bytes } = toText(raw);
  if (bytes > WS_FRAME_MAX_BYTES) {
    return {
      ok: false,
      code: 'frame_too_large',
      detail: `Frames are limited to ${WS_FRAME_MAX_BYTES} bytes.`,
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, code: 'malformed_frame', detail: 'A frame must be one JSON object.' };
  }
  const type = typeof value === 'object' && value !== null && 'type' in value ? value.type : undefined;
  if (typeof type !== 'string' || !ClientFrameSchema.options.some((o) => o.shape.type.value === type)) {
    return {
      ok: false,
      code: 'malformed_frame',
      detail: 'A frame must be a JSON object whose `type` is auth, join, leave, chat.send or ping.',
      nonce: nonceOf(value),
    };
  }
  const parsed = ClientFrameSchema.safeParse(value);
  if (!parsed.success) {
    const detail = parsed.error.issues
      .map((issue) => `${issue.path.join('.') || 'frame'}: ${issue.message}`)
      .join('; ');
    return { ok: false, code: 'invalid_frame', detail, nonce: nonceOf(value) };
  }
  return { ok: true, frame: parsed.data };
}

export function encodeServerFrame(frame: ServerFrame): string {
  return JSON.stringify(frame);
}

/**
 * The message id of an encoded `chat.message` frame, undefined for any other frame. Only frames held
 * for a joining connection are read back, so a broadcast is never parsed on its way to the members.
 */
export function chatMessageIdOf(text: string): string | undefined {
  if (!text.includes('"chat.message"')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = ChatMessageFrameSchema.safeParse(value);
  return parsed.success ? parsed.data.message.id : undefined;
}
