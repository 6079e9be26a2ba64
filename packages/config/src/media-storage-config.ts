/**
 * Where media is stored (docs/storage.md): the `MEDIA_STORAGE` and `S3_*` settings, parsed as part of the
 * one process config (`config.ts` spreads {@link mediaStorageEnv} into its schema).
 */
import { z } from 'zod';

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);

const httpUrl = z
  .string()
  .trim()
  .refine((value) => {
    try {
      return ['http:', 'https:'].includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, 'must be a URL starting with http:// or https://');

const optionalText = z.preprocess(emptyAsUndefined, z.string().trim().min(1).optional());

export const mediaStorageEnv = {
  MEDIA_STORAGE: z.enum(['filesystem', 's3'], { message: 'must be filesystem or s3' }).default('filesystem'),
  MEDIA_PUBLIC_BASE_URL: z.preprocess(emptyAsUndefined, httpUrl.optional()),
  S3_ENDPOINT: z.preprocess(emptyAsUndefined, httpUrl.optional()),
  S3_REGION: z.string().trim().min(1, 'must not be empty').default('us-east-1'),
  S3_BUCKET: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .trim()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name (3-63 of a-z 0-9 . -)')
      .optional(),
  ),
  S3_PREFIX: z
    .string()
    .trim()
    .regex(/^([A-Za-z0-9_-]+\/?)*$/, 'must be path segments of A-Z a-z 0-9 _ - separated by /')
    .default(''),
  S3_FORCE_PATH_STYLE: z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
    .transform((v) => v === 'true' || v === '1' || v === 'yes')
    .default(false),
  S3_ACCESS_KEY_ID: optionalText,
  S3_SECRET_ACCESS_KEY: optionalText,
  MEDIA_PRIVATE_DELIVERY: z
    .enum(['gateway', 'signed'], { message: 'must be gateway or signed' })
    .default('gateway'),
  S3_SIGNED_URL_ENDPOINT: z.preprocess(emptyAsUndefined, httpUrl.optional()),
  MEDIA_HOT_CACHE_MB: z.coerce
    .number({ message: 'must be a number of MiB' })
    .int('must be a whole number of MiB')
    .min(0, 'must be 0 (off) or more')
    .max(65_536, 'must be at most 65536')
    .default(64),
};

type MediaStorageEnv = z.output<z.ZodObject<typeof mediaStorageEnv>>;

/** Where media lives; every process of one installation must agree. */
export type MediaStorageConfig =
  | {
      kind: 'filesystem';
      /** A web server or CDN serving `<dataDir>/media` as is, for public media. */
      publicBaseUrl: string | undefined;
    }
  | {
      kind: 's3';
      /** Unset: AWS's endpoint for the region. */
      endpoint: string | undefined;
      region: string;
      bucket: string;
      /** Prepended to every key, with a trailing slash when set. */
      prefix: string;
      forcePathStyle: boolean;
      /** Unset: the SDK's default chain (environment, instance role). */
      credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
      /** A CDN (or the bucket's public URL) serving the objects under `prefix`, for public media. */
      publicBaseUrl: string | undefined;
      /**
       * Private and subscribers-only media: streamed by the gateway after its token check, or handed out
       * as short-lived presigned URLs into the bucket at `endpoint` (viewers must reach it).
       */
      privateDelivery: { kind: 'gateway' } | { kind: 'signed'; endpoint: string | undefined };
      /** Memory for hot segments and avatars read from the bucket (`hot-cache.ts`); 0 turns it off. */
      hotCacheBytes: number;
    };

/** The media storage settings, or a message naming what is wrong (for `ConfigError`). */
export function mediaStorageConfig(e: MediaStorageEnv): MediaStorageConfig | string {
  const publicBaseUrl = e.MEDIA_PUBLIC_BASE_URL?.replace(/\/+$/, '');
  if (e.MEDIA_STORAGE === 'filesystem') {
    if (e.MEDIA_PRIVATE_DELIVERY === 'signed') {
      return 'MEDIA_PRIVATE_DELIVERY=signed needs MEDIA_STORAGE=s3 (the filesystem cannot sign URLs)';
    }
    return { kind: 'filesystem', publicBaseUrl };
  }
  if (!e.S3_BUCKET) return 'S3_BUCKET must be set when MEDIA_STORAGE is s3';
  if (Boolean(e.S3_ACCESS_KEY_ID) !== Boolean(e.S3_SECRET_ACCESS_KEY)) {
    return 'S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together (or neither)';
  }
  return {
    kind: 's3',
    endpoint: e.S3_ENDPOINT,
    region: e.S3_REGION,
    bucket: e.S3_BUCKET,
    prefix: e.S3_PREFIX.replace(/\/+$/, ''),
    forcePathStyle: e.S3_FORCE_PATH_STYLE,
    credentials:
      e.S3_ACCESS_KEY_ID && e.S3_SECRET_ACCESS_KEY
        ? { accessKeyId: e.S3_ACCESS_KEY_ID, secretAccessKey: e.S3_SECRET_ACCESS_KEY }
        : undefined,
    publicBaseUrl,
    privateDelivery:
      e.MEDIA_PRIVATE_DELIVERY === 'signed'
        ? { kind: 'signed', endpoint: e.S3_SIGNED_URL_ENDPOINT ?? e.S3_ENDPOINT }
        : { kind: 'gateway' },
    hotCacheBytes: e.MEDIA_HOT_CACHE_MB * 1024 * 1024,
  };
}
