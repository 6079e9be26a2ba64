/** The admin's instance settings form (`/admin/instance`), for its page and its island. */
import type { ChannelCreation, SettingKey } from '@streamhub/contracts/settings';

export const settingsText = {
  formHeading: 'Settings you may change here',
  formIntro:
    'These apply on every server of the instance as soon as they are saved, without a restart. Each starts from its environment variable; restoring the default goes back to it.',
  labels: {
    channelCreation: 'Who may open a channel and stream',
    videoMaxBytes: 'Largest video upload (MiB)',
    videoQuotaBytes: 'Video storage per account (MiB)',
    clipsPerUserPerHour: 'Clips one account may make per hour',
    restreamMaxDestinations: 'Restream destinations per channel',
  } satisfies Record<SettingKey, string>,
  policies: {
    streamers: 'Accounts with the streamer or admin role (an admin grants it)',
    verified: 'Any account with a verified email address',
  } satisfies Record<ChannelCreation, string>,
  defaultIs: (variable: string, value: string) => `Default (${variable}): ${value}.`,
  mib: (mib: number) => `${mib} MiB`,
  save: 'Save the settings',
  restore: 'Restore the default',
  restoreLabel: (label: string) => `Restore the default of “${label}”`,
  saved: 'The settings are saved and apply now.',
  restored: (label: string) => `“${label}” is back to its default.`,
  nothingChanged: 'Nothing was changed.',
  fixFields: 'Some settings are not valid; each says why under it.',
  wholeNumber: (min: number, max: number) => `Enter a whole number from ${min} to ${max}.`,
  historyHeading: 'Recent changes',
  historyIntro: 'Who changed these settings, when, and from what to what, newest first.',
  when: 'When',
  who: 'Who',
  what: 'What changed',
  change: (label: string, from: string, to: string) => `${label}: ${from} → ${to}`,
  defaultValue: 'the default',
  formerAdmin: 'a deleted account',
  noHistory: 'No admin has changed these settings yet.',
  olderChanges: 'Show older changes',
  historyFailed: 'The history of changes could not be loaded',
  envHeading: 'Set by the environment',
  envIntro:
    'These come from environment variables of the gateway (see the README); change them there and restart.',
};
