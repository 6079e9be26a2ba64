/**
 * The video page's clip form: a signed-in viewer clips the finished video from the player's position
 * (`POST /api/v1/channels/{slug}/clips` with `from`, docs/clips.md). The API decides who may (the
 * channel's owner, or anyone when the channel allows it) and the form shows its answer.
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

export function startVideoClipForm(player: HTMLVideoElement): void {
  const form = document.getElementById('clip-form');
  // Videos outside a channel have no form: there is no channel to clip for.
  if (!(form instanceof HTMLFormElement)) return;
  const { videoId, slug } = form.dataset;
  if (!videoId || !slug) return;
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
      // Tenths of a second: the API starts at the keyframe at or before it anyway.
      const startSeconds = Math.floor(player.currentTime * 10) / 10;
      element('clip-message', HTMLParagraphElement).textContent = t.clipMaking(clock(startSeconds));
      const response = await authFetch(`/api/v1/channels/${encodeURIComponent(slug)}/clips`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          seconds: Number(field(data, 'seconds')),
          from: { videoId, startSeconds },
        } satisfies CreateClip),
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
