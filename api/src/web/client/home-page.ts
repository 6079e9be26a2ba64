/** The home page's island: the followed channels that are live, for a signed-in viewer. */
import type { FollowedChannelPage } from '@streamhub/contracts/engagement';
import { clientText as t } from '../i18n/en.ts';
import { authFetch, isSignedIn } from './auth-session.ts';
import { element } from './page-data.ts';

/**
 * The server renders the section with a one-line "sign in" sentence; a signed-in reader's sentence is
 * replaced in place (by a blank line while the list loads, then "none live"), so the page below moves
 * only when there are cards to show.
 */
export async function startHomePage(): Promise<void> {
  if (!isSignedIn()) return;
  const section = element('following-live-section', HTMLElement);
  const sentence = element('following-live', HTMLParagraphElement);
  sentence.textContent = '\u00a0';
  const response = await authFetch('/api/v1/me/following?limit=50').catch(() => undefined);
  if (!response?.ok) {
    section.hidden = true;
    return;
  }
  const live = ((await response.json()) as FollowedChannelPage).items.filter((channel) => channel.live);
  if (live.length === 0) {
    sentence.textContent = t.noFollowedLive;
    return;
  }
  const list = document.createElement('ul');
  list.id = 'following-live';
  list.className = 'cards';
  sentence.replaceWith(list);
  // The same markup as the server's channel cards (pages/cards.tsx), built as text nodes only.
  list.replaceChildren(
    ...live.map((channel) => {
      const item = document.createElement('li');
      item.className = 'card';
      const link = document.createElement('a');
      link.className = 'card-link';
      link.href = `/c/${encodeURIComponent(channel.slug)}`;
      const thumb = document.createElement('span');
      thumb.className = 'thumb';
      // A channel that has just gone live has no thumbnail for its first seconds (the API says so with
      // null): its card keeps the thumb's placeholder background instead of an image that answers 404.
      if (channel.thumbnailUrl) {
        const image = document.createElement('img');
        image.src = channel.thumbnailUrl;
        image.alt = '';
        image.width = 320;
        image.height = 180;
        thumb.append(image);
      }
      const badge = document.createElement('span');
      badge.className = 'badge';
      badge.dataset.live = 'true';
      badge.textContent = t.liveBadge;
      thumb.append(badge);
      const title = document.createElement('span');
      title.className = 'card-title';
      title.textContent = channel.title;
      link.append(thumb, title);
      const meta = document.createElement('p');
      meta.className = 'card-meta';
      meta.textContent = channel.owner.displayName ?? channel.owner.username;
      item.append(link, meta);
      return item;
    }),
  );
}
