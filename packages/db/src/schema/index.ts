/**
 * The one place that gathers every domain's tables into the `schema` object drizzle's relational API
 * needs. A new domain adds its module here and nowhere else.
 */
import * as analytics from './analytics.ts';
import * as auth from './auth.ts';
import * as channels from './channels.ts';
import * as chat from './chat.ts';
import * as clips from './clips.ts';
import * as engagement from './engagement.ts';
import * as events from './events.ts';
import * as media from './media.ts';
import * as notifications from './notifications.ts';
import * as payments from './payments.ts';
import * as restream from './restream.ts';
import * as settings from './settings.ts';
import * as users from './users.ts';
import * as videos from './videos.ts';
import * as webhooks from './webhooks.ts';

export const schema = {
  ...users,
  ...auth,
  ...channels,
  ...chat,
  ...engagement,
  ...videos,
  ...events,
  ...media,
  ...payments,
  ...webhooks,
  ...analytics,
  ...notifications,
  ...restream,
  ...clips,
  ...settings,
};

export type Schema = typeof schema;
