/** The studio's clips page's words (`/studio/clips`), for its page and its island. */
import type { VideoStatus } from '@streamhub/contracts/videos';

export const clipsText = {
  nav: 'Clips',
  heading: 'Clips',
  intro:
    'Clips of your broadcasts and videos, made by you or by your viewers. Each clip is a public video of your channel.',
  settingsHeading: 'Who may clip',
  viewersMayClip: 'Let signed-in viewers clip my channel (you always may)',
  settingsSaved: 'The clip setting is saved.',
  listHeading: 'Clips of your channel',
  title: 'Clip',
  maker: 'Made by',
  length: 'Length',
  state: 'State',
  actions: 'Actions',
  none: 'No clips yet: you and, if you let them, your viewers clip from the channel and video pages.',
  more: 'Show more',
  makerName: (displayName: string | null, username: string) =>
    displayName ? `${displayName} (@${username})` : `@${username}`,
  seconds: (seconds: number) => `${seconds} s`,
  states: {
    uploaded: 'Waiting to be processed',
    processing: 'Processing',
    ready: 'Ready',
    failed: 'Failed',
    uploading: 'Uploading',
  } satisfies Record<VideoStatus, string>,
  watchLabel: (title: string) => `Watch ${title}`,
  remove: 'Delete',
  removeLabel: (title: string) => `Delete the clip ${title}`,
  confirmRemove: (title: string) => `Delete the clip “${title}”? Its video is deleted for good.`,
  removed: 'The clip is deleted.',
  loadFailed: 'The clips could not be loaded.',
  saveFailed: 'The change could not be saved.',
};
