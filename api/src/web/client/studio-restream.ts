/**
 * `/studio/restream`: the owner's restream destinations with each forward's state (connecting, live,
 * failed with its reason, offline), refreshed every few seconds while the page is visible; add, enable
 * or disable, and remove destinations.
 */
import type { RestreamDestination, RestreamDestinationList } from '@streamhub/contracts/restream';
import { restreamText as t } from '../i18n/restream.en.ts';
import { problemMessage } from './api-problem.ts';
import { authFetch } from './auth-session.ts';
import { field, onSubmit, report } from './forms.ts';
import { element } from './page-data.ts';
import { actionButton, myChannel, sendJson, showNotice, textElement } from './workspace.ts';

const REFRESH_EVERY_MS = 5000;

export async function startStudioRestreamPage(): Promise<void> {
  const channel = (await myChannel())?.channel;
  if (!channel) return;
  const base = `/api/v1/channels/${encodeURIComponent(channel.slug)}/restream/destinations`;
  const body = element('destinations', HTMLTableSectionElement);

  const load = async () => {
    const response = await authFetch(base);
    if (!response.ok) {
      showNotice(await problemMessage(response, t.loadFailed));
      return;
    }
    const list = (await response.json()) as RestreamDestinationList;
    element('restream', HTMLElement).hidden = false;
    body.replaceChildren(...list.items.map((destination) => row(destination)));
    element('no-destinations', HTMLParagraphElement).hidden = list.items.length > 0;
  };

  const row = (destination: RestreamDestination) => {
    const tr = document.createElement('tr');
    const state = t.states[destination.state] ?? destination.state;
    const stateCell = textElement('td', destination.enabled ? state : `${state} (${t.disabled})`);
    stateCell.dataset.state = destination.state;
    if (destination.state === 'failed' && destination.stateReason) {
      stateCell.append(document.createElement('br'), textElement('small', destination.stateReason));
    }
    const toggle = destination.enabled ? t.disable : t.enable;
    const actions = document.createElement('td');
    actions.append(
      actionButton(
        toggle,
        () =>
          void sendJson(`${base}/${destination.id}`, 'PATCH', { enabled: !destination.enabled }).then(load),
        t.toggleLabel(toggle, destination.name),
      ),
      actionButton(
        t.remove,
        () =>
          void sendJson(`${base}/${destination.id}`, 'DELETE').then(async (response) => {
            report(
              response.ok ? { done: t.removed } : { error: await problemMessage(response, t.loadFailed) },
              'restream',
            );
            await load();
          }),
        t.removeLabel(destination.name),
      ),
    );
    tr.append(
      textElement('td', destination.name),
      textElement('td', destination.url),
      textElement('td', destination.keyHint),
      stateCell,
      actions,
    );
    return tr;
  };

  const form = element('destination-form', HTMLFormElement);
  onSubmit(
    form,
    async (data) => {
      const response = await sendJson(base, 'POST', {
        name: field(data, 'name'),
        url: field(data, 'url'),
        streamKey: field(data, 'streamKey'),
      });
      if (!response.ok) return { error: await problemMessage(response, t.loadFailed) };
      form.reset();
      await load();
      return { done: t.added };
    },
    'restream',
  );

  await load();
  setInterval(() => {
    if (document.visibilityState === 'visible') void load();
  }, REFRESH_EVERY_MS);
}
