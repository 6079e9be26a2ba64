/**
 * Keyset pagination over `(created_at, id)` with opaque cursors.
 *
 * The timestamp travels as text with microseconds, not as a JS Date: timestamptz keeps microseconds and a
 * Date only milliseconds, so a Date-based cursor would repeat or skip rows created within one millisecond.
 */
import { type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { InvalidCursorError } from './errors.ts';

export interface KeysetPosition {
  /** UTC ISO 8601 with microseconds, as produced by `keysetTimestamp`. */
  createdAt: string;
  id: string;
}

/**
 * Selects a timestamptz column as UTC ISO 8601 text with microseconds (independent of the session's
 * DateStyle and TimeZone), for building the next cursor.
 */
export function keysetTimestamp(column: PgColumn): SQL<string> {
  return sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/** `(createdAt, id) > position`, matching an `order by createdAt, id` ascending. */
export function keysetAfter(createdAt: PgColumn, id: PgColumn, position: KeysetPosition): SQL {
  return sql`(${createdAt}, ${id}) > (${position.createdAt}::timestamptz, ${position.id}::uuid)`;
}

/** `(createdAt, id) < position`, matching an `order by createdAt desc, id desc`. */
export function keysetBefore(createdAt: PgColumn, id: PgColumn, position: KeysetPosition): SQL {
  return sql`(${createdAt}, ${id}) < (${position.createdAt}::timestamptz, ${position.id}::uuid)`;
}

/** One page of a keyset read, newest or oldest first as the query ordered it. */
export interface KeysetPage<Row> {
  items: Row[];
  /** Where the next page starts; null when this page is the last. */
  nextCursor: string | null;
}

/**
 * Cuts a keyset read of `limit + 1` rows into a page: the first `limit` rows, and a cursor at the last
 * of them only when the extra row proves that more follow (so the last page never links to an empty one).
 */
export function keysetPage<Row>(
  rows: readonly Row[],
  limit: number,
  positionOf: (row: Row) => KeysetPosition,
): KeysetPage<Row> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items,
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(positionOf(last)) : null,
  };
}

/** Encodes the last row's position as a URL-safe opaque string. */
export function encodeCursor(position: KeysetPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id])).toString('base64url');
}

/** Decodes a cursor from `encodeCursor`; throws `InvalidCursorError` for anything else. */
export function decodeCursor(cursor: string): KeysetPosition {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (!Array.isArray(value) || value.length !== 2) throw new InvalidCursorError();
  const [createdAt, id] = value;
  if (typeof createdAt !== 'string' || !TIMESTAMP.test(createdAt)) throw new InvalidCursorError();
  if (typeof id !== 'string' || !UUID.test(id)) throw new InvalidCursorError();
  return { createdAt, id };
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
