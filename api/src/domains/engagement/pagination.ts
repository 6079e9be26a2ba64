/** Keyset helpers shared by the engagement repositories, and the mapping of a foreign cursor to a 422. */
import { InvalidCursorError } from '@streamhub/db/errors';
import type { KeysetPosition } from '@streamhub/db/keyset';
import { validationFailed } from '@streamhub/errors/app-error';
import { type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';

export interface PageOptions {
  limit: number;
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** `(createdAt, id) < position`, matching an `order by createdAt desc, id desc`. */
export function keysetBefore(createdAt: PgColumn, id: PgColumn, position: KeysetPosition): SQL {
  return sql`(${createdAt}, ${id}) < (${position.createdAt}::timestamptz, ${position.id}::uuid)`;
}

export function assertLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`limit must be a positive integer, got ${limit}`);
  }
}

/** Runs a page read; a cursor that did not come from this list is the client's mistake, not a 500. */
export async function withCursor<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof InvalidCursorError) {
      throw validationFailed([{ path: 'query.cursor', message: 'is not a cursor from this list' }]);
    }
    throw error;
  }
}
