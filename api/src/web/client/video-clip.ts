/**
 * The clip form of the video page and of the live channel page: a signed-in viewer clips the finished
 * video from the player's position (`POST /api/v1/channels/{slug}/clips` with `from`), or the last
 * seconds of the live broadcast (the same request without `from`), docs/clips.md. The API decides who
 * may (the channel's owner, or anyone when the channel allows it) and the form shows its answer.
 */
import type { Clip, CreateClip } from '@streamhub/contracts/clips';
import { clientText as t } from '../i18n/en.ts';
import { problemMessage } from './api-problem.ts';
import { authFetch, isSignedIn, onSessionChange } from './auth-session.ts';
import { field, type Outcome, onSubmit } from './forms.ts';
import { element } from './page-data.ts';

/** `m:ss` of a position, as the player shows it. */
const clock = (seconds: number) =>
  `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;

/** Where the clip comes from: this video's player position, or the live window's last seconds. */
export type ClipSource = { video: HTMLVideoElement } | 'live';

export function startClipForm(source: ClipSource): void {
  const form = document.getElementById('clip-form');
  // Videos outside a channel have no form: there is no channel to clip for.
  if (!(form instanceof HTMLFormElement)) return;
  const { videoId, slug } = form.dataset;
  if (!slug || (source !== 'live' && !videoId)) return;
  const link = element('clip-link', HTMLAnchorElement);
  const show = () => {
    form.hidden = !isSignedIn();
  };
  show();
  onSessionChange(show);
  onSubmit(
    form,
    async (data): Promise<Outcome> => {
      link.hidden = true;
      const seconds = Number(field(data, 'seconds'));
      const message = element('clip-message', HTMLParagraphElement);
      let body: CreateClip = { seconds };
      if (source === 'live') {
        // Without `from`: the last `seconds` of the live window, as the API holds it now.
        message.textContent = t.clipMakingLive(seconds);
      } else if (videoId) {
        // Tenths of a second: the API starts at the keyframe at or before it anyway.
        const startSeconds = Math.floor(source.video.currentTime * 10) / 10;
        message.textContent = t.clipMaking(clock(startSeconds));
        body = { seconds, from: { videoId, startSeconds } };
      }
      const response = await authFetch(`/api/v1/channels/${encodeURIComponent(slug)}/clips`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!response.ok) return { error: await problemMessage(response, t.clipFailed) };
      const clip = (await response.json()) as Clip;
      link.href = clip.watchUrl;
      link.hidden = false;
      return { done: t.clipMade };
    },
    'clip',
  );
}
