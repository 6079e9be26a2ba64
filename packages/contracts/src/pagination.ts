/** Cursor pagination shared by every list: `?cursor=&limit=` in, `{ items, nextCursor }` out. */
import { z } from '@hono/zod-openapi';
import { text } from './text.ts';

export const PAGE_MAX_LIMIT = 100;

// Cursors are opaque; the longest (a most-viewed position) stays well under this.
export const CursorSchema = text()
  .max(300)
  .optional()
  .openapi({ description: '`nextCursor` of the previous page' });

export const limitSchema = (defaultLimit: number) =>
  z.coerce
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(PAGE_MAX_LIMIT, `must be at most ${PAGE_MAX_LIMIT}`)
    .default(defaultLimit);

export const pageQuerySchema = (defaultLimit: number) =>
  z.object({ cursor: CursorSchema, limit: limitSchema(defaultLimit) });

export const NextCursorSchema = z.string().nullable().openapi({ description: 'Null on the last page' });
