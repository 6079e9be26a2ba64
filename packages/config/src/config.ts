/**
 * Every process setting, parsed once from the environment (and an optional
 * `.env` file) by one zod schema. Defaults run the embedded mode with no
 * settings at all; a bad value stops start-up with one line naming it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';
import { type AnalyticsConfig, analyticsConfig, analyticsEnv } from './analytics-config.ts';
import { type MediaStorageConfig, mediaStorageConfig, mediaStorageEnv } from './media-storage-config.ts';
import { type NotificationsConfig, notificationsConfig, notificationsEnv } from './notifications-config.ts';
import { type RazorpayConfig, razorpayConfig, razorpayEnv } from './razorpay-config.ts';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const port = (fallback: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number from 1 to 65535')
    .transform(Number)
    .pipe(z.number().int().min(1, 'must be from 1 to 65535').max(65535, 'must be from 1 to 65535'))
    .default(fallback);

const positiveInt = (fallback: number, unit: string) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `must be a whole number of ${unit}`)
    .transform(Number)
    .pipe(z.number().int().positive(`must be a positive number of ${unit}`))
    .default(fallback);

const urlWithScheme = (schemes: string[]) =>
  z
    .string()
    .trim()
    .refine(
      (value) => {
        try {
          return schemes.includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      `must be a URL starting with ${schemes.map((s) => `${s}//`).join(' or ')}`,
    );

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
    .transform((v) => v === 'true' || v === '1' || v === 'yes')
    .default(fallback);

const origins = z
  .string()
  .trim()
  .default('')
  .transform((raw) =>
    raw
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
  )
  .refine(
    (list) =>
      list.every((o) => {
        if (o === '*') return true;
        try {
          return new URL(o).origin === o;
        } catch {
          return false;
        }
      }),
    'must be * or a comma-separated list of origins like https://example.com',
  );

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().trim().min(1, 'must not be empty').default('0.0.0.0'),
  PORT: port(3000),
  PUBLIC_URL: z.preprocess(emptyAsUndefined, urlWithScheme(['http:', 'https:']).optional()),
  STREAMHUB_DATA_DIR: z.string().trim().min(1, 'must not be empty').default('./.streamhub'),
  DATABASE_URL: z.preprocess(emptyAsUndefined, urlWithScheme(['postgres:', 'postgresql:']).optional()),
  REDIS_URL: z.preprocess(emptyAsUndefined, urlWithScheme(['redis:', 'rediss:']).optional()),
  REDIS_PREFIX: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 letters, digits or _.:-')
    .default('streamhub:'),
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  CORS_ORIGINS: origins,
  TRUST_PROXY: bool(false),
  RATE_LIMIT_MAX: positiveInt(600, 'requests'),
  RATE_LIMIT_WINDOW_MS: positiveInt(60_000, 'milliseconds'),
  BODY_LIMIT_BYTES: positiveInt(1024 * 1024, 'bytes'),
  REQUEST_TIMEOUT_MS: positiveInt(30_000, 'milliseconds'),
  SHUTDOWN_TIMEOUT_MS: positiveInt(10_000, 'milliseconds'),
  ACCESS_TOKEN_TTL_SECONDS: positiveInt(900, 'seconds'),
  REFRESH_TOKEN_TTL_SECONDS: positiveInt(30 * 24 * 3600, 'seconds'),
  CHANNEL_CREATION: z
    .enum(['streamers', 'verified'], { message: 'must be streamers or verified' })
    .default('streamers'),
  SIGNING_KEYS: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .trim()
      .refine((raw) => {
        try {
          const parsed: unknown = JSON.parse(raw);
          return (
            typeof parsed === 'object' &&
            parsed !== null &&
            Array.isArray((parsed as { keys?: unknown }).keys)
          );
        } catch {
          return false;
        }
      }, 'must be a JWK set ({"keys": [...]}) as printed by `streamhub keys generate --print`')
      .optional(),
  ),
  SMTP_URL: z.preprocess(emptyAsUndefined, urlWithScheme(['smtp:', 'smtps:']).optional()),
  MAIL_FROM: z
    .string()
    .trim()
    .min(3, 'must be an address like "StreamHub <no-reply@example.com>"')
    .default('StreamHub <no-reply@localhost>'),
  AVATAR_MAX_BYTES: positiveInt(5 * 1024 * 1024, 'bytes'),
  // --- Video uploads (tus) ---
  VIDEO_MAX_BYTES: positiveInt(10 * 1024 ** 3, 'bytes'),
  VIDEO_QUOTA_BYTES: positiveInt(50 * 1024 ** 3, 'bytes'),
  VIDEO_UPLOAD_EXPIRY_HOURS: positiveInt(24, 'hours'),
  GITHUB_CLIENT_ID: z.preprocess(emptyAsUndefined, z.string().trim().optional()),
  GITHUB_CLIENT_SECRET: z.preprocess(emptyAsUndefined, z.string().trim().optional()),
  GITHUB_OAUTH_URL: urlWithScheme(['http:', 'https:']).default('https://github.com'),
  GITHUB_API_URL: urlWithScheme(['http:', 'https:']).default('https://api.github.com'),
  GOOGLE_CLIENT_ID: z.preprocess(emptyAsUndefined, z.string().trim().optional()),
  GOOGLE_CLIENT_SECRET: z.preprocess(emptyAsUndefined, z.string().trim().optional()),
  GOOGLE_AUTH_URL: urlWithScheme(['http:', 'https:']).default('https://accounts.google.com/o/oauth2/v2/auth'),
  GOOGLE_TOKEN_URL: urlWithScheme(['http:', 'https:']).default('https://oauth2.googleapis.com/token'),
  GOOGLE_USERINFO_URL: urlWithScheme(['http:', 'https:']).default(
    'https://openidconnect.googleapis.com/v1/userinfo',
  ),
  METRICS_TOKEN: z.preprocess(
    emptyAsUndefined,
    z.string().trim().min(16, 'must be at least 16 characters (streamhub init generates one)').optional(),
  ),
  // --- Realtime (/ws) ---
  WS_MAX_CONNECTIONS_PER_IP: positiveInt(50, 'connections'),
  WS_MAX_BUFFERED_BYTES: positiveInt(1024 * 1024, 'bytes'),
  WS_PING_INTERVAL_SECONDS: positiveInt(30, 'seconds'),
  // --- Media node (live ingest and HLS ladder) ---
  RTMP_PORT: port(1935),
  RTMP_PUBLIC_URL: z.preprocess(emptyAsUndefined, urlWithScheme(['rtmp:', 'rtmps:']).optional()),
  RESTREAM_SECRET: z.preprocess(
    emptyAsUndefined,
    z.string().trim().min(32, 'must be at least 32 characters (e.g. openssl rand -base64 32)').optional(),
  ),
  RESTREAM_MAX_DESTINATIONS: positiveInt(5, 'destinations'),
  CLIPS_PER_USER_PER_HOUR: positiveInt(10, 'clips'),
  SRT_PORT: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .trim()
      .regex(/^\d+$/, 'must be a whole number from 1 to 65535')
      .transform(Number)
      .pipe(z.number().int().min(1, 'must be from 1 to 65535').max(65535, 'must be from 1 to 65535'))
      .optional(),
  ),
  // SRT's own encryption of the media between OBS and the node (docs/srt.md): 10-79 characters, as libsrt.
  SRT_PASSPHRASE: z.preprocess(
    emptyAsUndefined,
    z.string().min(10, 'must be 10 to 79 characters').max(79, 'must be 10 to 79 characters').optional(),
  ),
  SRT_PBKEYLEN: z.preprocess(
    emptyAsUndefined,
    z
      .enum(['16', '24', '32'], { message: 'must be 16, 24 or 32 (bytes: AES-128, -192 or -256)' })
      .transform((v) => Number(v) as 16 | 24 | 32)
      .optional(),
  ),
  MEDIA_NODE_ID: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9._:-]{1,64}$/, 'must be 1-64 letters, digits or ._:-')
      .optional(),
  ),
  MEDIA_NODE_LEASE_SECONDS: positiveInt(10, 'seconds'),
  FFMPEG_PATH: z.preprocess(emptyAsUndefined, z.string().trim().optional()),
  LIVE_LADDER: z
    .string()
    .trim()
    .regex(
      /^(passthrough|\d{3,4}(,\d{3,4})*)$/,
      'must be passthrough or comma-separated heights like 1080,720,480,360',
    )
    .default('1080,720,480,360'),
  LIVE_SEGMENT_SECONDS: positiveInt(2, 'seconds'),
  LIVE_WINDOW_SEGMENTS: positiveInt(6, 'segments'),
  LIVE_RECONNECT_GRACE_SECONDS: positiveInt(30, 'seconds'),
  LIVE_THUMBNAIL_SECONDS: positiveInt(30, 'seconds'),
  LIVE_X264_PRESET: z
    .enum(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium'], {
      message: 'must be an x264 preset: ultrafast, superfast, veryfast, faster, fast or medium',
    })
    .default('veryfast'),
  // off: no channel gets LL-HLS; optional: classic HLS unless the channel asks for LL; on: LL unless the
  // channel opts out. true/false are the older spellings of on/off.
  LIVE_LL_HLS: z
    .enum(['off', 'optional', 'on', 'true', 'false', '1', '0', 'yes', 'no'], {
      message: 'must be off, optional or on',
    })
    .transform((v): LowLatencyMode => {
      if (v === 'true' || v === '1' || v === 'yes') return 'on';
      if (v === 'false' || v === '0' || v === 'no') return 'off';
      return v;
    })
    .default('optional'),
  LIVE_LL_PART_MS: z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number of milliseconds')
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(100, 'must be 100 to 2000 milliseconds')
        .max(2000, 'must be 100 to 2000 milliseconds'),
    )
    // Six frames at 30 or 29.97 fps (five at 25, twelve at 60): PART-HOLD-BACK, three parts, is 0.6 s of
    // glass-to-glass (docs/benchmarks.md, "Latency budget"); 334 (ten frames) asks 40 % fewer requests per viewer.
    .default(201),
  LIVE_DVR_SECONDS: z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number of seconds')
    .transform(Number)
    .default(0),
  // --- end media node ---
  // --- Media storage (docs/storage.md) ---
  ...mediaStorageEnv,
  // --- Notifications (docs/notifications.md) ---
  ...notificationsEnv,
  // --- Analytics (docs/analytics.md) ---
  ...analyticsEnv,
  // --- Payments (docs/payments.md) ---
  PAYMENTS_PLATFORM_FEE_BPS: z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number of basis points from 0 to 10000')
    .transform(Number)
    .pipe(z.number().int().max(10_000, 'must be a whole number of basis points from 0 to 10000'))
    .default(1000),
  PAYMENTS_CURRENCIES: z
    .string()
    .trim()
    .default('usd')
    .transform((raw) => [...new Set(raw.split(',').map((code) => code.trim().toLowerCase()))])
    .refine(
      (codes) => codes.every((code) => /^[a-z]{3}$/.test(code)),
      'must be comma-separated ISO 4217 codes like usd,eur',
    ),
  PAYMENTS_TIP_MIN_MINOR: positiveInt(100, 'minor units'),
  PAYMENTS_TIP_MAX_MINOR: positiveInt(100_000, 'minor units'),
  PAYMENTS_TIER_MIN_MINOR: positiveInt(100, 'minor units'),
  PAYMENTS_TIER_MAX_MINOR: positiveInt(50_000, 'minor units'),
  PAYMENTS_GRACE_HOURS: positiveInt(72, 'hours'),
  PAYMENTS_WEBHOOK_BATCH: positiveInt(16, 'events'),
  STRIPE_SECRET_KEY: z.preprocess(emptyAsUndefined, z.string().trim().optional()),
  STRIPE_WEBHOOK_SECRET: z.preprocess(emptyAsUndefined, z.string().trim().optional()),
  STRIPE_CONNECT_WEBHOOK_SECRET: z.preprocess(emptyAsUndefined, z.string().trim().optional()),
  STRIPE_API_URL: z.preprocess(emptyAsUndefined, urlWithScheme(['http:', 'https:']).optional()),
  ...razorpayEnv,
  // --- Webhooks (docs/webhooks.md) ---
  WEBHOOKS_ALLOW_PRIVATE: bool(false),
  WEBHOOKS_TIMEOUT_MS: positiveInt(10_000, 'milliseconds'),
  WEBHOOKS_RETRY_BASE_MS: positiveInt(30_000, 'milliseconds'),
  WEBHOOKS_RETRY_MAX_DELAY_MS: positiveInt(6 * 3_600_000, 'milliseconds'),
  WEBHOOKS_RETRY_WINDOW_MS: positiveInt(3 * 86_400_000, 'milliseconds'),
  WEBHOOKS_SECRET_OVERLAP_MS: positiveInt(86_400_000, 'milliseconds'),
});

export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  publicUrl: string;
  dataDir: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  /** Namespace of every Redis key and channel, so deployments can share one Redis. */
  redisPrefix: string;
  logLevel: LogLevel;
  corsOrigins: string[];
  trustProxy: boolean;
  rateLimit: { max: number; windowMs: number };
  bodyLimitBytes: number;
  requestTimeoutMs: number;
  shutdownTimeoutMs: number;
  /** When set, `/metrics` requires `Authorization: Bearer <token>`. */
  metricsToken: string | undefined;
  /** Media node: RTMP ingest and the live HLS ladder. */
  media: MediaConfig;
  /** Where media is stored: the data directory or an S3-compatible bucket (docs/storage.md). */
  mediaStorage: MediaStorageConfig;
  realtime: {
    /** Open WebSockets one client address may hold. */
    maxConnectionsPerIp: number;
    /** A client whose unsent frames pass this many bytes is disconnected (a slow reader must not slow its room). */
    maxBufferedBytes: number;
    pingIntervalMs: number;
  };
  auth: {
    accessTokenTtlSeconds: number;
    refreshTokenTtlSeconds: number;
    /** A private JWK set from the environment; unset → keys under `<dataDir>/keys`. */
    signingKeys: string | undefined;
  };
  /**
   * Who may open a channel: `streamers` (the streamer and admin roles, granted by an admin) or
   * `verified` (also any account whose email is verified).
   */
  channelCreation: 'streamers' | 'verified';
  mail: {
    /** Unset → messages are logged instead of sent (development). */
    smtpUrl: string | undefined;
    from: string;
  };
  avatarMaxBytes: number;
  /** Video uploads over tus. */
  videos: {
    /** Largest source file one upload may declare. */
    maxBytes: number;
    /** Per owner: the sources of their videos plus their uploads in progress. */
    quotaBytes: number;
    /** An upload not finished within this long after its last byte arrived is removed. */
    uploadExpiryMs: number;
  };
  /** Tips and the payment providers (docs/payments.md). */
  payments: PaymentsConfig;
  /** Player beacons, views and reports (docs/analytics.md). */
  analytics: AnalyticsConfig;
  /** Notification emails and push (docs/notifications.md). */
  notifications: NotificationsConfig;
  /** Outgoing signed webhooks (docs/webhooks.md). */
  webhooks: WebhooksConfig;
  /** OAuth providers; a provider is enabled when its client id and secret are both set. */
  oauth: {
    github: OAuthProviderConfig | undefined;
    google: OAuthProviderConfig | undefined;
  };
}

/** Outgoing webhooks: where they may go, how long an attempt may take, how retries are spaced. */
export interface WebhooksConfig {
  /** Deliver to private, loopback and link-local addresses too (tests, intranets). Off by default (SSRF). */
  allowPrivateTargets: boolean;
  /** One attempt's limit: connect, send and the receiver's answer. */
  timeoutMs: number;
  /** Delay before the second attempt; doubled for each later one, up to `retryMaxDelayMs`. */
  retryBaseMs: number;
  retryMaxDelayMs: number;
  /** A delivery still failing this long after its event is given up (and its endpoint disabled). */
  retryWindowMs: number;
  /** How long the secret replaced by a rotation keeps signing beside the new one. */
  secretOverlapMs: number;
}

/** Media node settings (RTMP ingest, FFmpeg, live HLS ladder). */
/** Whether the instance offers LL-HLS, and to which channels by default (LIVE_LL_HLS). */
export type LowLatencyMode = 'off' | 'optional' | 'on';

/**
 * Whether a broadcast gets LL-HLS: the instance's mode is the default and the ceiling, the channel's
 * choice (`null`: no choice) decides in between.
 */
export function lowLatencyFor(mode: LowLatencyMode, channelChoice: boolean | null | undefined): boolean {
  if (mode === 'off') return false;
  return channelChoice ?? mode === 'on';
}

export interface MediaConfig {
  rtmpPort: number;
  /**
   * The ingest URL encoders publish to, as users see it (OBS's "Server"): `RTMP_PUBLIC_URL`, else
   * `rtmp://<PUBLIC_URL's host>:<RTMP_PORT>/live`. Set it when RTMP reaches the node under another name
   * or port (a TCP proxy, a separate ingest host).
   */
  rtmpPublicUrl: string;
  /**
   * Restreaming (docs/restream.md): the secret destination stream keys are sealed with (unset → no
   * restreaming), and how many destinations a channel may have.
   */
  restream: { secret: string | undefined; maxDestinations: number };
  /** Instant clips (docs/clips.md): how many clips one user may make per hour. */
  clipsPerUserPerHour: number;
  /** UDP port of the SRT ingest (stream key in the SRT stream id, docs/srt.md); unset → no SRT ingest. */
  srtPort: number | undefined;
  /**
   * SRT callers must encrypt with this passphrase (SRT_PASSPHRASE), at this key length when set
   * (SRT_PBKEYLEN); undefined → they must not encrypt.
   */
  srtEncryption: { passphrase: string; keyLength?: 16 | 24 | 32 } | undefined;
  /**
   * The node's stable name, under which its sessions are stored; unset → `<hostname>:<rtmpPort>`. For
   * containers, whose hostname changes on every restart: without a stable id a restarted node cannot
   * find the sessions it held before a crash.
   */
  nodeId: string | undefined;
  /**
   * How long a media node's lease in Redis lasts without renewal (renewed every third of it): once it runs
   * out, other nodes take over the sessions it held.
   */
  nodeLeaseSeconds: number;
  /** Explicit ffmpeg binary; unset → `ffmpeg` on PATH. */
  ffmpegPath: string | undefined;
  /** Rung heights, highest first, or `passthrough` (remux only). */
  ladder: number[] | 'passthrough';
  segmentSeconds: number;
  /** Segments kept in a live (non-recorded) playlist. */
  windowSegments: number;
  reconnectGraceSeconds: number;
  /** How often a live session's thumbnail is refreshed. */
  thumbnailSeconds: number;
  x264Preset: 'ultrafast' | 'superfast' | 'veryfast' | 'faster' | 'fast' | 'medium';
  /**
   * Low-Latency HLS (StreamHub-packaged fMP4 parts): `off` for no channel, `optional` for the channels
   * that ask for it, `on` for every channel that does not opt out (the channel's `lowLatency` setting).
   */
  lowLatency: LowLatencyMode;
  /** LL-HLS part target, seconds. */
  partTargetSeconds: number;
  /** Seconds of live playlist kept for rewinding (DVR); 0 keeps LIVE_WINDOW_SEGMENTS segments. */
  dvrSeconds: number;
}

/** Payment settings: the platform's cut, the tip limits and which providers are on. */
export interface PaymentsConfig {
  /** The platform's cut of every tip, in basis points (1000 = 10 %), rounded down to a minor unit. */
  platformFeeBps: number;
  /** ISO 4217 codes (lower case) tips may be paid in. */
  currencies: string[];
  /** Smallest and largest tip, in minor units of any accepted currency. */
  tipMinMinor: number;
  tipMaxMinor: number;
  /** Smallest and largest monthly price of a channel's subscription tier, in minor units. */
  tierMinMinor: number;
  tierMaxMinor: number;
  /** How long a subscription whose renewal failed (or whose renewal never arrived) keeps its perks. */
  subscriptionGraceMs: number;
  /** Most stored provider events one consumer transaction handles (1: each alone). */
  webhookBatch: number;
  /** Stripe, on when both its secret key and its webhook signing secret are set. */
  stripe: StripeConfig | undefined;
  /** Razorpay, on when its key id, key secret and webhook secret are all set. */
  razorpay: RazorpayConfig | undefined;
}

export interface StripeConfig {
  secretKey: string;
  webhookSecret: string;
  /**
   * Signing secret of the Connect webhook endpoint (events from creators' connected accounts:
   * `account.updated`, `payout.paid`, `payout.failed`); Stripe gives a Connect endpoint its own secret.
   */
  connectWebhookSecret?: string | undefined;
  /** Another API base than Stripe's (a local server speaking Stripe's API, in tests). */
  apiUrl: string | undefined;
}

export interface OAuthProviderConfig {
  clientId: string;
  clientSecret: string;
  authorizeUrl: string;
  tokenUrl: string;
  /** GitHub: the API base (`/user`, `/user/emails`); Google: the OpenID userinfo endpoint. */
  userInfoUrl: string;
}

/** Thrown for a bad setting; its message is the one line shown to the operator. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type EnvSource = Record<string, string | undefined>;

export interface LoadConfigOptions {
  /** Directory relative paths and `.env` are resolved from. */
  cwd?: string;
  /** Read `<cwd>/.env` for variables the environment does not set. Default true. */
  envFile?: boolean;
}

/** Parses the environment into a typed {@link Config}; throws {@link ConfigError} naming every bad variable. */
export function loadConfig(env: EnvSource, options: LoadConfigOptions = {}): Config {
  const cwd = options.cwd ?? process.cwd();
  const fromFile = options.envFile === false ? {} : readEnvFile(resolve(cwd, '.env'));
  const merged: EnvSource = { ...fromFile };
  for (const [key, value] of Object.entries(env)) if (value !== undefined) merged[key] = value;

  const parsed = EnvSchema.safeParse(merged);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment');
      const raw = merged[name];
      return `${name} ${issue.message}${raw === undefined ? '' : ` (got "${raw}")`}`;
    });
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  if (e.PAYMENTS_TIP_MIN_MINOR > e.PAYMENTS_TIP_MAX_MINOR) {
    throw new ConfigError(
      `Invalid configuration: PAYMENTS_TIP_MIN_MINOR (${e.PAYMENTS_TIP_MIN_MINOR}) must not exceed PAYMENTS_TIP_MAX_MINOR (${e.PAYMENTS_TIP_MAX_MINOR})`,
    );
  }
  if (e.PAYMENTS_TIER_MIN_MINOR > e.PAYMENTS_TIER_MAX_MINOR) {
    throw new ConfigError(
      `Invalid configuration: PAYMENTS_TIER_MIN_MINOR (${e.PAYMENTS_TIER_MIN_MINOR}) must not exceed PAYMENTS_TIER_MAX_MINOR (${e.PAYMENTS_TIER_MAX_MINOR})`,
    );
  }
  const razorpay = razorpayConfig(e);
  if (typeof razorpay === 'string') throw new ConfigError(`Invalid configuration: ${razorpay}`);
  // Half a Stripe set-up would take tips whose webhooks nobody can verify, or the reverse.
  if (Boolean(e.STRIPE_SECRET_KEY) !== Boolean(e.STRIPE_WEBHOOK_SECRET)) {
    throw new ConfigError(
      'Invalid configuration: STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET must be set together (or neither)',
    );
  }
  const mediaStorage = mediaStorageConfig(e);
  if (typeof mediaStorage === 'string') throw new ConfigError(`Invalid configuration: ${mediaStorage}`);
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  const notifications = notificationsConfig(e, publicUrl);
  if (typeof notifications === 'string') throw new ConfigError(`Invalid configuration: ${notifications}`);
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    publicUrl,
    dataDir: resolve(cwd, e.STREAMHUB_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    logLevel: e.LOG_LEVEL,
    corsOrigins: e.CORS_ORIGINS,
    trustProxy: e.TRUST_PROXY,
    rateLimit: { max: e.RATE_LIMIT_MAX, windowMs: e.RATE_LIMIT_WINDOW_MS },
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    metricsToken: e.METRICS_TOKEN,
    mediaStorage,
    media: {
      rtmpPort: e.RTMP_PORT,
      rtmpPublicUrl: trimSlash(
        e.RTMP_PUBLIC_URL ?? `rtmp://${new URL(publicUrl).hostname}:${e.RTMP_PORT}/live`,
      ),
      srtPort: e.SRT_PORT,
      srtEncryption:
        e.SRT_PASSPHRASE === undefined
          ? undefined
          : { passphrase: e.SRT_PASSPHRASE, ...(e.SRT_PBKEYLEN ? { keyLength: e.SRT_PBKEYLEN } : {}) },
      restream: { secret: e.RESTREAM_SECRET, maxDestinations: e.RESTREAM_MAX_DESTINATIONS },
      clipsPerUserPerHour: e.CLIPS_PER_USER_PER_HOUR,
      nodeId: e.MEDIA_NODE_ID,
      nodeLeaseSeconds: e.MEDIA_NODE_LEASE_SECONDS,
      ffmpegPath: e.FFMPEG_PATH,
      ladder:
        e.LIVE_LADDER === 'passthrough'
          ? 'passthrough'
          : [...new Set(e.LIVE_LADDER.split(',').map(Number))].sort((a, b) => b - a),
      segmentSeconds: e.LIVE_SEGMENT_SECONDS,
      windowSegments: e.LIVE_WINDOW_SEGMENTS,
      reconnectGraceSeconds: e.LIVE_RECONNECT_GRACE_SECONDS,
      thumbnailSeconds: e.LIVE_THUMBNAIL_SECONDS,
      x264Preset: e.LIVE_X264_PRESET,
      lowLatency: e.LIVE_LL_HLS,
      partTargetSeconds: e.LIVE_LL_PART_MS / 1000,
      dvrSeconds: e.LIVE_DVR_SECONDS,
    },
    realtime: {
      maxConnectionsPerIp: e.WS_MAX_CONNECTIONS_PER_IP,
      maxBufferedBytes: e.WS_MAX_BUFFERED_BYTES,
      pingIntervalMs: e.WS_PING_INTERVAL_SECONDS * 1000,
    },
    auth: {
      accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlSeconds: e.REFRESH_TOKEN_TTL_SECONDS,
      signingKeys: e.SIGNING_KEYS,
    },
    channelCreation: e.CHANNEL_CREATION,
    mail: { smtpUrl: e.SMTP_URL, from: e.MAIL_FROM },
    avatarMaxBytes: e.AVATAR_MAX_BYTES,
    videos: {
      maxBytes: e.VIDEO_MAX_BYTES,
      quotaBytes: e.VIDEO_QUOTA_BYTES,
      uploadExpiryMs: e.VIDEO_UPLOAD_EXPIRY_HOURS * 3600_000,
    },
    notifications,
    analytics: analyticsConfig(e),
    payments: {
      platformFeeBps: e.PAYMENTS_PLATFORM_FEE_BPS,
      currencies: e.PAYMENTS_CURRENCIES,
      tipMinMinor: e.PAYMENTS_TIP_MIN_MINOR,
      tipMaxMinor: e.PAYMENTS_TIP_MAX_MINOR,
      tierMinMinor: e.PAYMENTS_TIER_MIN_MINOR,
      tierMaxMinor: e.PAYMENTS_TIER_MAX_MINOR,
      subscriptionGraceMs: e.PAYMENTS_GRACE_HOURS * 3_600_000,
      webhookBatch: e.PAYMENTS_WEBHOOK_BATCH,
      stripe:
        e.STRIPE_SECRET_KEY && e.STRIPE_WEBHOOK_SECRET
          ? {
              secretKey: e.STRIPE_SECRET_KEY,
              webhookSecret: e.STRIPE_WEBHOOK_SECRET,
              connectWebhookSecret: e.STRIPE_CONNECT_WEBHOOK_SECRET,
              apiUrl: e.STRIPE_API_URL,
            }
          : undefined,
      razorpay,
    },
    webhooks: {
      allowPrivateTargets: e.WEBHOOKS_ALLOW_PRIVATE,
      timeoutMs: e.WEBHOOKS_TIMEOUT_MS,
      retryBaseMs: e.WEBHOOKS_RETRY_BASE_MS,
      retryMaxDelayMs: e.WEBHOOKS_RETRY_MAX_DELAY_MS,
      retryWindowMs: e.WEBHOOKS_RETRY_WINDOW_MS,
      secretOverlapMs: e.WEBHOOKS_SECRET_OVERLAP_MS,
    },
    oauth: {
      github:
        e.GITHUB_CLIENT_ID && e.GITHUB_CLIENT_SECRET
          ? {
              clientId: e.GITHUB_CLIENT_ID,
              clientSecret: e.GITHUB_CLIENT_SECRET,
              authorizeUrl: `${trimSlash(e.GITHUB_OAUTH_URL)}/login/oauth/authorize`,
              tokenUrl: `${trimSlash(e.GITHUB_OAUTH_URL)}/login/oauth/access_token`,
              userInfoUrl: trimSlash(e.GITHUB_API_URL),
            }
          : undefined,
      google:
        e.GOOGLE_CLIENT_ID && e.GOOGLE_CLIENT_SECRET
          ? {
              clientId: e.GOOGLE_CLIENT_ID,
              clientSecret: e.GOOGLE_CLIENT_SECRET,
              authorizeUrl: e.GOOGLE_AUTH_URL,
              tokenUrl: e.GOOGLE_TOKEN_URL,
              userInfoUrl: e.GOOGLE_USERINFO_URL,
            }
          : undefined,
    },
  };
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');

function readEnvFile(path: string): EnvSource {
  if (!existsSync(path)) return {};
  return parseDotenv(readFileSync(path));
}

/** The variables {@link loadConfig} reads, with their defaults, for docs and `streamhub init`. */
export const CONFIG_VARIABLES = Object.keys(EnvSchema.shape) as (keyof typeof EnvSchema.shape)[];
