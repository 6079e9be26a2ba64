/**
 * `/studio/stream`: the go-live checklist, the stream keys (create, replace, revoke; a new secret is
 * shown once, ready to copy) and the ingest's health, asked of the API every few seconds while the
 * page is visible.
 */
import type {
  Channel,
  CreatedStreamKey,
  IngestHealth,
  StreamKey,
  StreamKeyList,
} from '@streamhub/contracts/channels';
import { clientText as t } from '../i18n/en.ts';
import { problemMessage } from './api-problem.ts';
import { authFetch } from './auth-session.ts';
import { field, onSubmit, report } from './forms.ts';
import { element } from './page-data.ts';
import { actionButton, myChannel, sendJson, startCopyButtons, textElement } from './workspace.ts';

const HEALTH_EVERY_MS = 5000;
// Players start on a keyframe and segments are cut at them: past this, the encoder is set too long.
const KEYFRAME_ADVICE_ABOVE_S = 4;

export async function startStudioStreamPage(): Promise<void> {
  startCopyButtons((text) => report({ done: text }, 'keys'));
  const channel = (await myChannel())?.channel;
  const checklist = element('go-live-checklist', HTMLOListElement);
  const step = (name: string, done: boolean) => {
    const item = checklist.querySelector<HTMLLIElement>(`li[data-step="${name}"]`);
    if (item) item.dataset.done = String(done);
  };
  step('channel', channel !== undefined);
  if (!channel) {
    element('key-create-form', HTMLFormElement).hidden = true;
    return;
  }
  const base = `/api/v1/channels/${encodeURIComponent(channel.slug)}`;
  const keysBody = element('keys', HTMLTableSectionElement);
  const newKey = element('new-key', HTMLDivElement);
  const newSecret = element('new-key-secret', HTMLInputElement);

  const revealSecret = (created: CreatedStreamKey) => {
    newKey.hidden = false;
    newSecret.value = created.secret;
    newSecret.focus();
    newSecret.select();
  };

  const renderKeys = (keys: StreamKey[]) => {
    keysBody.replaceChildren(...keys.map((key) => keyRow(key)));
    element('no-keys', HTMLParagraphElement).hidden = keys.length > 0;
    step(
      'key',
      keys.some((key) => key.revokedAt === null),
    );
  };
  const loadKeys = async () => {
    const response = await authFetch(`${base}/keys`);
    if (response.ok) renderKeys(((await response.json()) as StreamKeyList).items);
  };
  const keyAction = (key: StreamKey, action: 'rotate' | 'revoke') => async () => {
    const response =
      action === 'rotate'
        ? await sendJson(`${base}/keys/${key.id}/rotate`, 'POST')
        : await sendJson(`${base}/keys/${key.id}`, 'DELETE');
    if (!response.ok) {
      report({ error: await problemMessage(response, t.saveFailed) }, 'keys');
      return;
    }
    if (action === 'rotate') revealSecret((await response.json()) as CreatedStreamKey);
    else newKey.hidden = true;
    report({ done: action === 'rotate' ? t.keyRotated : t.keyRevoked }, 'keys');
    await loadKeys();
  };
  const keyRow = (key: StreamKey) => {
    const row = document.createElement('tr');
    const actions = document.createElement('td');
    if (key.revokedAt === null) {
      actions.append(
        actionButton(t.rotate, () => void keyAction(key, 'rotate')(), t.rotateLabel(key.name)),
        actionButton(t.revoke, () => void keyAction(key, 'revoke')(), t.revokeLabel(key.name)),
      );
    } else {
      actions.textContent = t.revoked;
    }
    row.append(
      textElement('td', key.name),
      textElement('td', key.masked),
      textElement('td', key.lastUsedAt ? t.formatDateTime(key.lastUsedAt) : t.never),
      actions,
    );
    return row;
  };

  onSubmit(
    element('key-create-form', HTMLFormElement),
    async (data) => {
      const response = await sendJson(`${base}/keys`, 'POST', { name: field(data, 'name').trim() });
      if (!response.ok) return { error: await problemMessage(response, t.saveFailed) };
      revealSecret((await response.json()) as CreatedStreamKey);
      await loadKeys();
      return { done: t.keyCreated };
    },
    'keys',
  );

  await loadKeys();
  watchHealth(channel, (live) => {
    step('obs', live);
    step('live', live);
  });
}

function watchHealth(channel: Channel, onLive: (live: boolean) => void): void {
  const state = element('health-state', HTMLParagraphElement);
  const facts = element('health', HTMLDListElement);
  const advice = element('health-advice', HTMLParagraphElement);
  const set = (id: string, text: string) => {
    element(id, HTMLElement).textContent = text;
  };
  let shownLive: boolean | undefined;
  const poll = async () => {
    if (document.visibilityState !== 'visible') return;
    const response = await authFetch(`/api/v1/channels/${encodeURIComponent(channel.slug)}/ingest`).catch(
      () => undefined,
    );
    if (!response?.ok) return;
    const health = (await response.json()) as IngestHealth;
    if (shownLive !== health.live) onLive(health.live);
    shownLive = health.live;
    facts.hidden = !health.live;
    if (!health.live) {
      state.textContent = state.dataset.offline ?? '';
      advice.textContent = '';
      return;
    }
    const measured = health.bitrate !== null;
    state.textContent = measured
      ? t.liveSince(t.formatDateTime(health.startedAt ?? new Date().toISOString()))
      : t.waitingForFigures;
    set(
      'health-resolution',
      health.width && health.height ? `${health.width} × ${health.height}` : t.unknown,
    );
    set('health-fps', health.fps ? t.fps(health.fps) : t.unknown);
    set('health-bitrate', health.bitrate === null ? t.unknown : t.kbps(Math.round(health.bitrate / 1000)));
    set(
      'health-keyframes',
      health.keyframeInterval === null ? t.unknown : t.seconds(health.keyframeInterval),
    );
    set('health-codecs', [health.videoCodec, health.audioCodec].filter(Boolean).join(' + ') || t.unknown);
    advice.textContent =
      health.keyframeInterval !== null && health.keyframeInterval > KEYFRAME_ADVICE_ABOVE_S
        ? t.keyframeAdvice(health.keyframeInterval)
        : '';
  };
  state.dataset.offline = state.textContent ?? '';
  void poll();
  setInterval(() => void poll(), HEALTH_EVERY_MS);
  document.addEventListener('visibilitychange', () => void poll());
}
