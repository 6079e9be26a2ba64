/** The tus 1.0.0 wire format: header names, the server's capabilities and `Upload-Metadata` parsing. */
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from '@streamhub/contracts/text';
import { AppError, validationFailed } from '@streamhub/errors/app-error';

export const TUS_VERSION = '1.0.0';
export const TUS_EXTENSIONS = 'creation,termination,expiration';
export const TUS_CONTENT_TYPE = 'application/offset+octet-stream';

/**
 * `Upload-Metadata`: comma-separated `key base64value` pairs (a key alone means an empty value).
 * Throws a 400 for anything malformed (bad base64 or UTF-8, duplicate or invalid keys), a 422 for a
 * value with text PostgreSQL cannot store (NUL).
 */
export function parseUploadMetadata(header: string | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  if (header === undefined || header.trim() === '') return result;
  for (const pair of header.split(',')) {
    const [key, value, extra] = pair.trim().split(' ');
    if (!key || extra !== undefined || !/^[A-Za-z0-9_.-]{1,64}$/.test(key) || Object.hasOwn(result, key)) {
      throw malformed(`"${pair.trim()}" is not a key followed by a base64 value`);
    }
    if (value !== undefined && !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
      throw malformed(`the value of "${key}" is not base64`);
    }
    result[key] = value === undefined ? '' : decodeValue(key, value);
  }
  return result;
}

// Fatal: invalid UTF-8 is refused, not stored as U+FFFD.
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A value as text, refused when it is not UTF-8 or is text PostgreSQL cannot store (any key). */
function decodeValue(key: string, base64: string): string {
  let value: string;
  try {
    value = utf8.decode(Buffer.from(base64, 'base64'));
  } catch {
    throw malformed(`the value of "${key}" is not UTF-8`);
  }
  if (!isStorableText(value)) {
    throw validationFailed([{ path: `header.upload-metadata.${key}`, message: UNSTORABLE_TEXT_MESSAGE }]);
  }
  return value;
}

/** The inverse, for clients (the CLI) and tests. */
export function encodeUploadMetadata(values: Record<string, string | undefined>): string {
  return Object.entries(values)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => (value === '' ? key : `${key} ${Buffer.from(value, 'utf8').toString('base64')}`))
    .join(',');
}

/** A non-negative integer header (`Upload-Length`, `Upload-Offset`); undefined when absent. */
export function parseByteCount(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,16}$/.test(value.trim())) {
    throw new AppError(400, 'bad_request', `${name} must be a whole number of bytes.`);
  }
  return Number(value.trim());
}

const malformed = (why: string) => new AppError(400, 'bad_request', `Upload-Metadata is malformed: ${why}.`);
