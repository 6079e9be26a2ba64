/**
 * REST shapes of the settings domain (`/api/v1/admin/settings`): the instance settings an admin may
 * change at run time. Each one has an environment variable that gives its default (README's
 * configuration table); a stored value overrides it on every replica without a restart.
 */
import { z } from '@hono/zod-openapi';
import { NextCursorSchema, pageQuerySchema } from './pagination.ts';

/** Who may open a channel and stream: the streamer/admin role only, or any email-verified account too. */
export const ChannelCreationSchema = z
  .enum(['streamers', 'verified'])
  .openapi({ description: 'Who may open a channel and stream (CHANNEL_CREATION)' });
export type ChannelCreation = z.infer<typeof ChannelCreationSchema>;

// Upper bounds keep a typo (an extra zero or three) from opening the instance to unbounded use.
const TIB = 1024 ** 4;
export const SETTING_LIMITS = {
  videoMaxBytes: { min: 1024 * 1024, max: 1024 * TIB },
  videoQuotaBytes: { min: 1024 * 1024, max: 1024 * TIB },
  clipsPerUserPerHour: { min: 1, max: 1000 },
  restreamMaxDestinations: { min: 1, max: 50 },
} as const;

const bounded = (name: keyof typeof SETTING_LIMITS, description: string) => {
  const { min, max } = SETTING_LIMITS[name];
  return z
    .number({ message: 'must be a whole number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .openapi({ description });
};

/** Every setting an admin may change live, each under its own validation. */
export const SETTING_SCHEMAS = {
  channelCreation: ChannelCreationSchema,
  videoMaxBytes: bounded('videoMaxBytes', 'Largest video upload in bytes (VIDEO_MAX_BYTES)'),
  videoQuotaBytes: bounded('videoQuotaBytes', 'Video storage per account in bytes (VIDEO_QUOTA_BYTES)'),
  clipsPerUserPerHour: bounded(
    'clipsPerUserPerHour',
    'Clips one account may make per hour (CLIPS_PER_USER_PER_HOUR)',
  ),
  restreamMaxDestinations: bounded(
    'restreamMaxDestinations',
    'Restream destinations per channel (RESTREAM_MAX_DESTINATIONS)',
  ),
} as const;

export type SettingKey = keyof typeof SETTING_SCHEMAS;
export const SETTING_KEYS = Object.keys(SETTING_SCHEMAS) as SettingKey[];

/** The environment variable that gives each setting its default. */
export const SETTING_VARIABLES: Record<SettingKey, string> = {
  channelCreation: 'CHANNEL_CREATION',
  videoMaxBytes: 'VIDEO_MAX_BYTES',
  videoQuotaBytes: 'VIDEO_QUOTA_BYTES',
  clipsPerUserPerHour: 'CLIPS_PER_USER_PER_HOUR',
  restreamMaxDestinations: 'RESTREAM_MAX_DESTINATIONS',
};

/**
 * The settings' values as they apply. Only positive: an operator's environment may set a default outside
 * the bounds an admin may store (a tiny upload limit in a test instance).
 */
export const InstanceSettingsSchema = z
  .object({
    channelCreation: ChannelCreationSchema,
    videoMaxBytes: z.number().int().positive(),
    videoQuotaBytes: z.number().int().positive(),
    clipsPerUserPerHour: z.number().int().positive(),
    restreamMaxDestinations: z.number().int().positive(),
  })
  .openapi('InstanceSettings');
export type InstanceSettings = z.infer<typeof InstanceSettingsSchema>;

/**
 * A change: each key present sets that setting; `null` drops the stored value, so the environment's
 * default applies again. Unknown keys are refused, and at least one key must be given.
 */
export const UpdateInstanceSettingsSchema = z
  .strictObject({
    channelCreation: SETTING_SCHEMAS.channelCreation.nullable().optional(),
    videoMaxBytes: SETTING_SCHEMAS.videoMaxBytes.nullable().optional(),
    videoQuotaBytes: SETTING_SCHEMAS.videoQuotaBytes.nullable().optional(),
    clipsPerUserPerHour: SETTING_SCHEMAS.clipsPerUserPerHour.nullable().optional(),
    restreamMaxDestinations: SETTING_SCHEMAS.restreamMaxDestinations.nullable().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'must change at least one setting')
  .openapi('UpdateInstanceSettings', { example: { channelCreation: 'verified', clipsPerUserPerHour: 20 } });
export type UpdateInstanceSettings = z.infer<typeof UpdateInstanceSettingsSchema>;

export const StoredSettingSchema = z
  .object({
    /** Null when the account that made the change is gone. */
    updatedBy: z.uuid().nullable(),
    updatedAt: z.iso.datetime(),
  })
  .openapi('StoredSetting');

/** What the admin reads: what applies now, what the environment says, and which ones an admin changed. */
export const InstanceSettingsViewSchema = z
  .object({
    effective: InstanceSettingsSchema,
    defaults: InstanceSettingsSchema,
    /** The settings a stored value overrides, with who stored it and when. */
    overridden: z.partialRecord(z.enum(SETTING_KEYS as [SettingKey, ...SettingKey[]]), StoredSettingSchema),
  })
  .openapi('InstanceSettingsView');
export type InstanceSettingsView = z.infer<typeof InstanceSettingsViewSchema>;

/** A stored value in the history: null where none was stored, so the environment's default applied. */
export const SettingValueSchema = z
  .union([z.string(), z.number()])
  .nullable()
  .openapi({ description: "The stored value; null: none was stored, the environment's default applied" });
export type SettingValue = z.infer<typeof SettingValueSchema>;

/** One admin's save of the instance settings, as the history lists it. */
export const SettingsChangeSchema = z
  .object({
    id: z.uuid(),
    actor: z
      .object({ id: z.uuid(), username: z.string(), displayName: z.string().nullable() })
      .nullable()
      .openapi({ description: 'The admin who saved; null once that account is deleted' }),
    changes: z
      .array(
        z.object({
          key: z
            .string()
            .openapi({ description: 'A setting (`InstanceSettings`), or one a newer release knows' }),
          from: SettingValueSchema,
          to: SettingValueSchema,
        }),
      )
      .openapi({ description: 'Each setting the save changed' }),
    createdAt: z.iso.datetime(),
  })
  .openapi('SettingsChange');
export type SettingsChange = z.infer<typeof SettingsChangeSchema>;

export const SettingsHistoryPageSchema = z
  .object({ items: z.array(SettingsChangeSchema), nextCursor: NextCursorSchema })
  .openapi('SettingsHistoryPage');
export type SettingsHistoryPage = z.infer<typeof SettingsHistoryPageSchema>;

export const SettingsHistoryQuerySchema = pageQuerySchema(20);
export type SettingsHistoryQuery = z.infer<typeof SettingsHistoryQuerySchema>;
