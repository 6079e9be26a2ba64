/**
 * The WebSocket protocol of `/ws` (docs/realtime.md): every frame is one JSON object with a `type`.
 * Gateways on Node and on Bun, the web page and the benchmark all speak exactly these shapes.
 */
import { z } from '@hono/zod-openapi';
import { ChannelSlugSchema } from './channels.ts';
import { NotificationSchema } from './notifications.ts';
import { humanText, text } from './text.ts';

export const CHAT_MESSAGE_MAX = 500;
/** The recent history a client receives when it joins a room. */
export const CHAT_HISTORY_SIZE = 50;
/** A frame larger than this is answered with `frame_too_large` and not parsed. */
export const WS_FRAME_MAX_BYTES = 4096;
/** Rooms one connection may be in at once. */
export const WS_ROOMS_PER_CONNECTION_MAX = 10;
/** Viewer counts are pushed at most this often, and only when they changed. */
export const VIEWER_COUNT_INTERVAL_MS = 2000;

/** Chat text: trimmed, non-empty, no control characters (C0, DEL, C1) except newlines and tabs. */
export const ChatBodySchema = humanText()
  .min(1, 'must not be empty')
  .max(CHAT_MESSAGE_MAX, `must be at most ${CHAT_MESSAGE_MAX} characters`);

/** A stable random id a player keeps (local storage), so an anonymous viewer with several tabs counts once. */
export const ViewerIdSchema = text()
  .regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8-64 letters, digits, _ or -')
  .openapi({ example: 'v_3f9c1a7be2d04c55' });

/** A client's own correlation id, echoed on the `ack` or `error` that answers its frame. */
const NonceSchema = text().min(1).max(64);

export const ChatAuthorSchema = z
  .object({
    id: z.uuid(),
    username: z.string(),
    displayName: z.string().nullable(),
    /** Holds a subscription to the channel (its badge in chat). */
    subscriber: z.boolean(),
  })
  .openapi('ChatAuthor');

export const ChatMessageSchema = z
  .object({
    id: z.uuid(),
    author: ChatAuthorSchema,
    body: z.string(),
    sentAt: z.iso.datetime(),
  })
  .openapi('ChatMessage');
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

export const ChatSettingsSchema = z
  .object({
    /** Seconds a viewer must wait between messages (0: off). Owner and moderators are exempt. */
    slowModeSeconds: z.number().int().min(0).max(3600),
    /** Only followers (and the owner and moderators) may post. */
    followersOnly: z.boolean(),
    /** Only subscribers (and the owner, moderators and admins) may post. */
    subscribersOnly: z.boolean(),
  })
  .openapi('ChatSettings');
export type ChatSettings = z.infer<typeof ChatSettingsSchema>;

// ---------------------------------------------------------------------------------------------------
// Client → server

/** Sign in (or re-sign in with a fresh token) on an open connection; anonymous connections may read only. */
export const AuthFrameSchema = z.object({ type: z.literal('auth'), token: text().min(1).max(4096) });
export const JoinFrameSchema = z.object({
  type: z.literal('join'),
  channel: ChannelSlugSchema,
  /** Signed-in viewers are counted by account, anonymous ones by this id (or by connection without it). */
  viewerId: ViewerIdSchema.optional(),
});
export const LeaveFrameSchema = z.object({ type: z.literal('leave'), channel: ChannelSlugSchema });
export const ChatSendFrameSchema = z.object({
  type: z.literal('chat.send'),
  channel: ChannelSlugSchema,
  body: ChatBodySchema,
  nonce: NonceSchema.optional(),
});
/** Browsers cannot send protocol pings; this one is answered with `pong`. */
export const PingFrameSchema = z.object({ type: z.literal('ping'), nonce: NonceSchema.optional() });

export const ClientFrameSchema = z.discriminatedUnion('type', [
  AuthFrameSchema,
  JoinFrameSchema,
  LeaveFrameSchema,
  ChatSendFrameSchema,
  PingFrameSchema,
]);
export type ClientFrame = z.infer<typeof ClientFrameSchema>;

// ---------------------------------------------------------------------------------------------------
// Server → client

export const WS_ERROR_CODES = [
  /** The frame is not JSON, or not an object with a known `type`. */
  'malformed_frame',
  'frame_too_large',
  /** A known `type` with invalid fields; `detail` names them. */
  'invalid_frame',
  /** Posting needs a signed-in connection. */
  'unauthorized',
  'invalid_token',
  'account_suspended',
  'channel_not_found',
  'not_joined',
  'too_many_rooms',
  'banned',
  'timed_out',
  'slow_mode',
  'followers_only',
  'subscribers_only',
  'rate_limited',
  'internal_error',
] as const;
export const WsErrorCodeSchema = z.enum(WS_ERROR_CODES);
export type WsErrorCode = z.infer<typeof WsErrorCodeSchema>;

export const SignedInUserSchema = z.object({ id: z.uuid(), username: z.string() });

export const HelloFrameSchema = z.object({
  type: z.literal('hello'),
  connectionId: z.string(),
  /** Null while anonymous. */
  user: SignedInUserSchema.nullable(),
});
export const AuthenticatedFrameSchema = z.object({
  type: z.literal('authenticated'),
  user: SignedInUserSchema,
});
/**
 * The connection's session ended elsewhere (logout, logout everywhere, password change, suspension,
 * deletion): it is anonymous again, stays in its rooms, and gets no more of the account's own frames.
 */
export const SignedOutFrameSchema = z.object({
  type: z.literal('signed_out'),
  reason: z.enum(['session_revoked', 'account_suspended', 'account_deleted']),
});
export const JoinedFrameSchema = z.object({
  type: z.literal('joined'),
  channel: z.string(),
  live: z.boolean(),
  viewerCount: z.number().int().min(0),
  settings: ChatSettingsSchema,
  /** Oldest first, at most CHAT_HISTORY_SIZE, deleted messages left out. */
  history: z.array(ChatMessageSchema),
});
export const LeftFrameSchema = z.object({ type: z.literal('left'), channel: z.string() });
export const ChatMessageFrameSchema = z.object({
  type: z.literal('chat.message'),
  channel: z.string(),
  message: ChatMessageSchema,
});
/** A tip to the channel was paid: shown highlighted in its chat (docs/payments.md). */
export const ChatTipFrameSchema = z.object({
  type: z.literal('chat.tip'),
  channel: z.string(),
  tip: z.object({
    paymentId: z.uuid(),
    /** Minor units of `currency`. */
    amount: z.number().int().positive(),
    currency: z.string(),
    message: z.string().nullable(),
    /** Null when the payer's account is gone. */
    from: z.object({ id: z.uuid(), username: z.string(), displayName: z.string().nullable() }).nullable(),
    receivedAt: z.iso.datetime(),
  }),
});
export const ChatDeletedFrameSchema = z.object({
  type: z.literal('chat.deleted'),
  channel: z.string(),
  messageId: z.uuid(),
});
export const ChatSettingsFrameSchema = z.object({
  type: z.literal('chat.settings'),
  channel: z.string(),
  settings: ChatSettingsSchema,
});
export const ModerationFrameSchema = z.object({
  type: z.literal('moderation'),
  channel: z.string(),
  action: z.enum(['timeout', 'ban', 'unban']),
  user: z.object({ id: z.uuid(), username: z.string() }),
  /** End of a time-out. */
  until: z.iso.datetime().nullable(),
  reason: z.string().nullable(),
});
export const ViewersFrameSchema = z.object({
  type: z.literal('viewers'),
  channel: z.string(),
  count: z.number().int().min(0),
});
export const StreamStatusFrameSchema = z.object({
  type: z.literal('stream.status'),
  channel: z.string(),
  live: z.boolean(),
});
/** To the owner's signed-in connections only: a video of theirs moved on in processing. */
export const VideoStatusFrameSchema = z.object({
  type: z.literal('video.status'),
  videoId: z.uuid(),
  status: z.enum(['uploading', 'uploaded', 'processing', 'ready', 'failed']),
  /** 0–100 while processing. */
  progress: z.number().int().min(0).max(100),
  failureReason: z.string().nullable(),
});
export type VideoStatusFrame = z.infer<typeof VideoStatusFrameSchema>;

/** To the recipient's signed-in connections only: a new notification for the bell (docs/notifications.md). */
export const NotificationFrameSchema = z.object({
  type: z.literal('notification'),
  notification: NotificationSchema,
});
export type NotificationFrame = z.infer<typeof NotificationFrameSchema>;

/** A `chat.send` was accepted and stored. */
export const AckFrameSchema = z.object({
  type: z.literal('ack'),
  nonce: z.string().optional(),
  messageId: z.uuid(),
});
export const PongFrameSchema = z.object({ type: z.literal('pong'), nonce: z.string().optional() });
export const ErrorFrameSchema = z.object({
  type: z.literal('error'),
  code: WsErrorCodeSchema,
  detail: z.string(),
  /** The nonce of the frame this answers, when it had one. */
  nonce: z.string().optional(),
  channel: z.string().optional(),
  /** When trying again makes sense (slow mode, rate limit, time-out). */
  retryAfterMs: z.number().int().min(0).optional(),
});

export const ServerFrameSchema = z.discriminatedUnion('type', [
  HelloFrameSchema,
  AuthenticatedFrameSchema,
  SignedOutFrameSchema,
  JoinedFrameSchema,
  LeftFrameSchema,
  ChatMessageFrameSchema,
  ChatTipFrameSchema,
  ChatDeletedFrameSchema,
  ChatSettingsFrameSchema,
  ModerationFrameSchema,
  ViewersFrameSchema,
  StreamStatusFrameSchema,
  VideoStatusFrameSchema,
  NotificationFrameSchema,
  AckFrameSchema,
  PongFrameSchema,
  ErrorFrameSchema,
]);
export type ServerFrame = z.infer<typeof ServerFrameSchema>;

/** Frames that go to everyone in a room (as opposed to answers to one connection). */
export type RoomFrame = Extract<
  ServerFrame,
  {
    type:
      | 'chat.message'
      | 'chat.tip'
      | 'chat.deleted'
      | 'chat.settings'
      | 'moderation'
      | 'viewers'
      | 'stream.status';
  }
>;

// ---------------------------------------------------------------------------------------------------
// REST companions: the playback heartbeat (players without chat) and the current count

/** How long one heartbeat keeps a viewer counted; players send one every VIEWER_HEARTBEAT_SECONDS. */
export const VIEWER_HEARTBEAT_TTL_SECONDS = 45;
export const VIEWER_HEARTBEAT_SECONDS = 30;

export const ViewerHeartbeatRequestSchema = z
  .object({ viewerId: ViewerIdSchema })
  .openapi('ViewerHeartbeatRequest');

export const ViewerCountSchema = z
  .object({
    channel: z.string(),
    viewerCount: z.number().int().min(0).openapi({ description: 'Unique viewers: chat and playback' }),
  })
  .openapi('ViewerCount');
