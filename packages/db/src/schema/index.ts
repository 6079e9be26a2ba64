/**
 * The one place that gathers every domain's tables into the `schema` object drizzle's relational API
 * needs. A new domain adds its module here and nowhere else.
 */
import * as auth from './auth.ts';
import * as content from './content.ts';
import * as engagement from './engagement.ts';
import * as events from './events.ts';
import * as live from './live.ts';

export const schema = { ...auth, ...live, ...engagement, ...content, ...events };

export type Schema = typeof schema;
