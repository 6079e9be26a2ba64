/** Page shapes shared by the repositories, and the mapping of a cursor from another list to a 422. */
import { InvalidCursorError } from '@streamhub/db/errors';
import { validationFailed } from '@streamhub/errors/app-error';

export interface PageOptions {
  limit: number;
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
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
