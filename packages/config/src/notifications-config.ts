/**
 * Notification settings (docs/notifications.md): the instance's name in emails, the default email digest,
 * and the push providers' credentials. Parsed as part of the one process config (`config.ts` spreads
 * {@link notificationsEnv} into its schema).
 */
import { z } from 'zod';

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);
const optionalText = z.preprocess(emptyAsUndefined, z.string().trim().min(1).optional());
// A P-256 key in URL-safe base64 as `web-push generate-vapid-keys` prints it.
const base64Url = (what: string) =>
  z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]+$/, `must be the ${what} in URL-safe base64 (web-push generate-vapid-keys)`)
      .optional(),
  );

export const notificationsEnv = {
  INSTANCE_NAME: z.string().trim().min(1, 'must not be empty').max(100).default('StreamHub'),
  NOTIFICATIONS_EMAIL_DIGEST: z
    .enum(['off', 'hourly', 'daily'], { message: 'must be off, hourly or daily' })
    .default('off'),
  VAPID_PUBLIC_KEY: base64Url('public key'),
  VAPID_PRIVATE_KEY: base64Url('private key'),
  VAPID_SUBJECT: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .trim()
      .regex(/^(mailto:|https:\/\/)\S+$/, 'must be a mailto: or https:// URL')
      .optional(),
  ),
  FCM_SERVICE_ACCOUNT_FILE: optionalText,
};

type NotificationsEnv = z.output<z.ZodObject<typeof notificationsEnv>>;

export interface NotificationsConfig {
  /** The instance's name in emails and push messages. */
  instanceName: string;
  /** The email digest of users who never chose one. */
  emailDigest: 'off' | 'hourly' | 'daily';
  /** Web Push; unset → no web push (the VAPID key endpoint answers 404). */
  vapid: { publicKey: string; privateKey: string; subject: string } | undefined;
  /** A Firebase service account's JSON file; unset → no FCM. */
  fcmServiceAccountFile: string | undefined;
}

/** The notification settings, or a message naming what is wrong (for `ConfigError`). */
export function notificationsConfig(e: NotificationsEnv, publicUrl: string): NotificationsConfig | string {
  const vapidParts = [e.VAPID_PUBLIC_KEY, e.VAPID_PRIVATE_KEY].filter(Boolean).length;
  if (vapidParts === 1) return 'VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY must be set together (or neither)';
  return {
    instanceName: e.INSTANCE_NAME,
    emailDigest: e.NOTIFICATIONS_EMAIL_DIGEST,
    vapid:
      e.VAPID_PUBLIC_KEY && e.VAPID_PRIVATE_KEY
        ? {
            publicKey: e.VAPID_PUBLIC_KEY,
            privateKey: e.VAPID_PRIVATE_KEY,
            subject: e.VAPID_SUBJECT ?? publicUrl,
          }
        : undefined,
    fcmServiceAccountFile: e.FCM_SERVICE_ACCOUNT_FILE,
  };
}
