/**
 * Presigned GET URLs for S3 (AWS Signature Version 4, query-string form): a viewer's player fetches a
 * private object straight from the bucket until the URL expires, with no gateway in between. Written here
 * (node:crypto, GET only) rather than pulled in with `@aws-sdk/s3-request-presigner`, which is not
 * installed; `s3-presign.test.ts` checks it against AWS's published example. Reference:
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
 */
import { createHash, createHmac } from 'node:crypto';

export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Temporary credentials (an instance role) carry one; it is sent as `X-Amz-Security-Token`. */
  sessionToken?: string | undefined;
}

export interface PresignGetInput {
  /** The object's URL without a query: `https://bucket.s3.region.amazonaws.com/key` or path style. */
  url: URL;
  region: string;
  credentials: SigningCredentials;
  /** 1 to 604,800 (S3 refuses presigned URLs valid longer than a week). */
  expiresInSeconds: number;
  /** The signing time (tests pin it); default now. */
  now?: Date;
}

/** Longest validity S3 accepts for a presigned URL. */
export const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

/** `url` with the SigV4 query parameters that let anyone GET it until it expires. */
export function presignGetUrl(input: PresignGetInput): string {
  const { url, region, credentials } = input;
  const expires = Math.round(input.expiresInSeconds);
  if (!Number.isInteger(expires) || expires < 1 || expires > MAX_PRESIGN_SECONDS) {
    throw new RangeError(
      `A presigned URL lives 1 to ${MAX_PRESIGN_SECONDS} s, not ${input.expiresInSeconds}`,
    );
  }
  if (url.search || url.hash)
    throw new RangeError('The object URL to presign must have no query or fragment');
  const amzDate = (input.now ?? new Date())
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${region}/s3/aws4_request`;
  const params: [string, string][] = [
    ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
    ['X-Amz-Credential', `${credentials.accessKeyId}/${scope}`],
    ['X-Amz-Date', amzDate],
    ['X-Amz-Expires', String(expires)],
    ['X-Amz-SignedHeaders', 'host'],
  ];
  if (credentials.sessionToken) params.push(['X-Amz-Security-Token', credentials.sessionToken]);
  const query = params
    .map(([name, value]) => [encodeRfc3986(name), encodeRfc3986(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  // S3 signs the path as sent, each segment encoded once (RFC 3986), slashes kept.
  const path = url.pathname
    .split('/')
    .map((segment) => encodeRfc3986(decodeURIComponent(segment)))
    .join('/');
  const canonicalRequest = ['GET', path, query, `host:${url.host}`, '', 'host', 'UNSIGNED-PAYLOAD'].join(
    '\n',
  );
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  let key = hmac(`AWS4${credentials.secretAccessKey}`, day);
  for (const part of [region, 's3', 'aws4_request']) key = hmac(key, part);
  const signature = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  return `${url.origin}${path}?${query}&X-Amz-Signature=${signature}`;
}

/** The URL of `objectName` in `bucket`, as the S3 client addresses it (path style or virtual-hosted). */
export function objectUrl(options: {
  endpoint: string | undefined;
  region: string;
  forcePathStyle: boolean;
  bucket: string;
  objectName: string;
}): URL {
  const endpoint = new URL(options.endpoint ?? `https://s3.${options.region}.amazonaws.com`);
  const base = endpoint.pathname.replace(/\/+$/, '');
  const name = options.objectName.split('/').map(encodeRfc3986).join('/');
  if (options.forcePathStyle) return new URL(`${endpoint.origin}${base}/${options.bucket}/${name}`);
  return new URL(`${endpoint.protocol}//${options.bucket}.${endpoint.host}${base}/${name}`);
}

const hmac = (key: string | Buffer, data: string): Buffer =>
  createHmac('sha256', key).update(data, 'utf8').digest();

const sha256Hex = (data: string): string => createHash('sha256').update(data, 'utf8').digest('hex');

/** `encodeURIComponent` plus the characters RFC 3986 reserves that it leaves alone. */
function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
