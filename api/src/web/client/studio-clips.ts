/**
 * `/studio/clips`: the owner's list of the channel's clips (title linked once ready, maker, length,
 * state), looked at again every few seconds while one is being processed; "Delete" removes a clip's
 * video (the clip goes with it); and the channel's setting that lets viewers clip.
 */
import type { ChannelClip, ChannelClipPage, ClipSettings } from '@streamhub/contracts/clips';
import { clipsText as t } from '../i18n/clips.en.ts';
import { problemMessage } from './api-problem.ts';
import { authFetch } from './auth-session.ts';
import { report } from './forms.ts';
import { element } from './page-data.ts';
import { actionButton, myChannel, sendJson, showNotice, textElement } from './workspace.ts';

const PAGE = 24;
// The API's largest page: a refresh reloads every row shown, up to this many.
const MOST = 100;
const REFRESH_WHILE_BUSY_MS = 3000;

export async function startStudioClipsPage(): Promise<void> {
  const channel = (await myChannel())?.channel;
  if (!channel) return;
  const base = `/api/v1/channels/${encodeURIComponent(channel.slug)}/clips`;
  const body = element('clips', HTMLTableSectionElement);
  const more = element('clips-more', HTMLButtonElement);
  const mayClip = element('viewers-may-clip', HTMLInputElement);
  let nextCursor: string | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const row = (clip: ChannelClip) => {
    const tr = document.createElement('tr');
    tr.dataset.video = clip.videoId;
    const title = document.createElement('td');
    if (clip.status === 'ready') {
      const link = textElement('a', clip.title);
      link.href = `/v/${encodeURIComponent(clip.videoId)}`;
      link.setAttribute('aria-label', t.watchLabel(clip.title));
      title.append(link);
    } else {
      title.textContent = clip.title;
    }
    const state = textElement('td', t.states[clip.status]);
    state.dataset.state = clip.status;
    const actions = document.createElement('td');
    const remove = actionButton(t.remove, () => void removeClip(clip, tr), t.removeLabel(clip.title));
    remove.dataset.remove = clip.videoId;
    actions.append(remove);
    tr.append(
      title,
      textElement('td', t.makerName(clip.maker.displayName, clip.maker.username)),
      textElement('td', t.seconds(clip.seconds)),
      state,
      actions,
    );
    return tr;
  };

  const show = (clips: ChannelClip[], append: boolean) => {
    // A refresh replaces the rows: the focus stays on the same clip's button, not lost with its row.
    const focused =
      document.activeElement instanceof HTMLElement ? document.activeElement.dataset.remove : undefined;
    const rows = clips.map(row);
    if (append) body.append(...rows);
    else body.replaceChildren(...rows);
    if (focused)
      body.querySelector<HTMLButtonElement>(`button[data-remove="${CSS.escape(focused)}"]`)?.focus();
    element('no-clips', HTMLParagraphElement).hidden = body.rows.length > 0;
    more.hidden = nextCursor === null;
  };

  const load = async (cursor?: string) => {
    clearTimeout(timer);
    const limit = cursor ? PAGE : Math.min(MOST, Math.max(PAGE, body.rows.length));
    const query = new URLSearchParams({ limit: String(limit), ...(cursor ? { cursor } : {}) });
    const response = await authFetch(`${base}?${query}`);
    if (!response.ok) {
      showNotice(await problemMessage(response, t.loadFailed));
      return;
    }
    const page = (await response.json()) as ChannelClipPage;
    nextCursor = page.nextCursor;
    show(page.items, cursor !== undefined);
    const busy = [...body.querySelectorAll<HTMLElement>('td[data-state]')].some(
      (cell) => cell.dataset.state !== 'ready' && cell.dataset.state !== 'failed',
    );
    if (busy) timer = setTimeout(() => void load(), REFRESH_WHILE_BUSY_MS);
  };

  const removeClip = async (clip: ChannelClip, tr: HTMLTableRowElement) => {
    if (!window.confirm(t.confirmRemove(clip.title))) return;
    const response = await sendJson(`/api/v1/videos/${encodeURIComponent(clip.videoId)}`, 'DELETE');
    if (!response.ok) {
      report({ error: await problemMessage(response, t.saveFailed) }, 'clips');
      return;
    }
    // The focus moves on to the next clip's button (or the previous one's), not to the page's top.
    const neighbour = (tr.nextElementSibling ?? tr.previousElementSibling)?.querySelector('button');
    tr.remove();
    element('no-clips', HTMLParagraphElement).hidden = body.rows.length > 0;
    (neighbour ?? element('clips-heading', HTMLHeadingElement)).focus();
    report({ done: t.removed }, 'clips');
  };

  more.addEventListener('click', () => {
    if (nextCursor) void load(nextCursor);
  });

  mayClip.addEventListener('change', () => {
    const wanted: ClipSettings = { viewersMayClip: mayClip.checked };
    void sendJson(`${base}/settings`, 'PUT', wanted).then(
      async (response) => {
        if (response.ok) return report({ done: t.settingsSaved }, 'clip-settings');
        mayClip.checked = !wanted.viewersMayClip;
        report({ error: await problemMessage(response, t.saveFailed) }, 'clip-settings');
      },
      () => {
        mayClip.checked = !wanted.viewersMayClip;
        report({ error: t.saveFailed }, 'clip-settings');
      },
    );
  });

  const settings = await authFetch(`${base}/settings`);
  if (!settings.ok) {
    showNotice(await problemMessage(settings, t.loadFailed));
    return;
  }
  mayClip.checked = ((await settings.json()) as ClipSettings).viewersMayClip;
  element('clips-page', HTMLDivElement).hidden = false;
  await load();
}
