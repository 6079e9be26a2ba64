/** `/studio`: opens the reader's channel, or edits its settings. */
import type { Channel } from '@streamhub/contracts/channels';
import { clientText as t } from '../i18n/en.ts';
import { problemMessage } from './api-problem.ts';
import { authFetch } from './auth-session.ts';
import { field, onSubmit } from './forms.ts';
import { element } from './page-data.ts';
import { sendJson, signedInAccount } from './workspace.ts';

export async function startStudioChannelPage(): Promise<void> {
  if (!(await signedInAccount())) return;
  const createSection = element('channel-create', HTMLElement);
  const settingsSection = element('channel-settings', HTMLElement);
  const title = element('channel-title', HTMLInputElement);
  const category = element('channel-category', HTMLSelectElement);
  const tags = element('channel-tags', HTMLInputElement);
  const language = element('channel-language', HTMLInputElement);
  const record = element('channel-record', HTMLInputElement);
  const lowLatency = element('channel-low-latency', HTMLSelectElement);

  const show = (channel: Channel) => {
    createSection.hidden = true;
    settingsSection.hidden = false;
    element('channel-public-link', HTMLAnchorElement).href = `/c/${encodeURIComponent(channel.slug)}`;
    title.value = channel.title;
    category.value = channel.category;
    tags.value = channel.tags.join(', ');
    language.value = channel.language;
    record.checked = channel.record;
    lowLatency.value = channel.lowLatency === null ? '' : channel.lowLatency ? 'on' : 'off';
  };
  let slug = '';

  onSubmit(
    element('channel-create-form', HTMLFormElement),
    async (data) => {
      const response = await sendJson('/api/v1/channels', 'POST', {
        slug: field(data, 'slug').trim(),
        title: field(data, 'title').trim(),
        category: field(data, 'category'),
      });
      if (response.status === 403) return { error: t.mayNotStream };
      if (!response.ok) return { error: await problemMessage(response, t.saveFailed) };
      const channel = (await response.json()) as Channel;
      slug = channel.slug;
      show(channel);
      return { done: t.channelCreated };
    },
    'channel',
  );

  onSubmit(
    element('channel-settings-form', HTMLFormElement),
    async (data) => {
      const response = await sendJson(`/api/v1/channels/${encodeURIComponent(slug)}`, 'PATCH', {
        title: field(data, 'title').trim(),
        category: field(data, 'category'),
        tags: field(data, 'tags')
          .split(',')
          .map((tag) => tag.trim())
          .filter(Boolean),
        language: field(data, 'language').trim(),
        record: record.checked,
        // A disabled select (the instance offers no LL-HLS) leaves the stored choice alone.
        ...(lowLatency.disabled
          ? {}
          : { lowLatency: lowLatency.value === '' ? null : lowLatency.value === 'on' }),
      });
      if (!response.ok) return { error: await problemMessage(response, t.saveFailed) };
      show((await response.json()) as Channel);
      return { done: t.channelSaved };
    },
    'channel',
  );

  const response = await authFetch('/api/v1/me/channel');
  if (response.ok) {
    const channel = (await response.json()) as Channel;
    slug = channel.slug;
    show(channel);
  } else if (response.status === 404) {
    createSection.hidden = false;
  }
}
