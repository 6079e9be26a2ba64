/** `/studio/moderation`: the channel's moderators (appoint from recent chatters, remove) and the moderation log. */
import type { ChannelModeratorList, ChatMessagePage, ModerationLogPage } from '@streamhub/contracts/chat';
import { clientText as t } from '../i18n/en.ts';
import { problemMessage } from './api-problem.ts';
import { authFetch } from './auth-session.ts';
import { field, onSubmit, report } from './forms.ts';
import { element } from './page-data.ts';
import { actionButton, myChannel, sendJson, textElement } from './workspace.ts';

export async function startStudioModerationPage(): Promise<void> {
  const form = element('moderator-form', HTMLFormElement);
  const mine = await myChannel();
  if (!mine) {
    form.hidden = true;
    return;
  }
  const { account, channel } = mine;
  const base = `/api/v1/channels/${encodeURIComponent(channel.slug)}`;
  const list = element('moderators', HTMLUListElement);
  const candidates = element('moderator-candidate', HTMLSelectElement);

  const load = async () => {
    const [moderators, messages, log] = await Promise.all([
      authFetch(`${base}/moderators`),
      authFetch(`${base}/chat/messages?limit=100`),
      authFetch(`${base}/moderation-log?limit=50`),
    ]);
    const current = moderators.ok ? ((await moderators.json()) as ChannelModeratorList).items : [];
    list.replaceChildren(
      ...current.map(({ user }) => {
        const name = user.displayName ? `${user.displayName} (@${user.username})` : `@${user.username}`;
        const item = textElement('li', `${name} `);
        item.append(
          actionButton(t.removeModerator, () => void remove(user.id), t.removeModeratorLabel(name)),
        );
        return item;
      }),
    );
    element('no-moderators', HTMLParagraphElement).hidden = current.length > 0;

    // People who chatted recently and are neither the owner nor a moderator already.
    const excluded = new Set([account.id, ...current.map(({ user }) => user.id)]);
    const chatters = new Map<string, string>();
    if (messages.ok) {
      for (const message of ((await messages.json()) as ChatMessagePage).items) {
        if (!excluded.has(message.author.id)) chatters.set(message.author.id, `@${message.author.username}`);
      }
    }
    candidates.replaceChildren(
      ...[...chatters].map(([id, name]) => {
        const option = textElement('option', name);
        option.value = id;
        return option;
      }),
    );
    if (chatters.size === 0) candidates.append(textElement('option', t.noCandidates));
    candidates.disabled = chatters.size === 0;

    const entries = log.ok ? ((await log.json()) as ModerationLogPage).items : [];
    element('moderation-log', HTMLOListElement).replaceChildren(
      ...entries.map((entry) => {
        const item = textElement(
          'li',
          t.logEntry(
            entry.action,
            entry.actor ? `@${entry.actor.username}` : '',
            entry.target ? `@${entry.target.username}` : '',
          ),
        );
        const when = textElement('time', ` ${t.formatDateTime(entry.createdAt)}`);
        when.dateTime = entry.createdAt;
        if (entry.reason) item.append(textElement('span', ` — ${entry.reason}`));
        item.append(when);
        return item;
      }),
    );
    element('no-log', HTMLParagraphElement).hidden = entries.length > 0;
  };

  const remove = async (userId: string) => {
    const response = await sendJson(`${base}/moderators/${encodeURIComponent(userId)}`, 'DELETE');
    report(
      response.ok ? { done: t.moderatorRemoved } : { error: await problemMessage(response, t.saveFailed) },
      'moderators',
    );
    await load();
  };

  onSubmit(
    form,
    async (data) => {
      const userId = field(data, 'userId');
      const response = await sendJson(`${base}/moderators/${encodeURIComponent(userId)}`, 'PUT');
      if (!response.ok) return { error: await problemMessage(response, t.saveFailed) };
      await load();
      return { done: t.moderatorAdded };
    },
    'moderators',
  );
  await load();
}
