/**
 * `/admin/instance`: the admin changes the instance settings that apply live. Only changed fields are
 * sent; a refused field gets its error under it (aria-invalid, read with the field) and the focus, and
 * a summary is announced. Buttons stay enabled (busy: aria-disabled, forms.ts) so the focus never drops
 * to the page. Under it, the admins' recent changes, paged, read again after each save.
 */
import type { Problem } from '@streamhub/contracts/problem';
import type {
  InstanceSettingsView,
  SettingKey,
  SettingsChange,
  SettingsHistoryPage,
  SettingValue,
} from '@streamhub/contracts/settings';
import { clientText } from '../i18n/en.ts';
import { settingsText as t } from '../i18n/settings.en.ts';
import { problemMessage } from './api-problem.ts';
import { authFetch } from './auth-session.ts';
import { report, setBusy } from './forms.ts';
import { element } from './page-data.ts';
import { adminAccount, sendJson, textElement } from './workspace.ts';

const SETTINGS = '/api/v1/admin/settings';
// Listed here rather than imported from the contracts, whose zod schemas would weigh on the bundle.
const NUMBER_KEYS = [
  'videoMaxBytes',
  'videoQuotaBytes',
  'clipsPerUserPerHour',
  'restreamMaxDestinations',
] as const;
type NumberKey = (typeof NUMBER_KEYS)[number];
const SETTING_KEYS: readonly SettingKey[] = ['channelCreation', ...NUMBER_KEYS];
const MIB = 1024 * 1024;
// As the page shows them (pages/instance-settings-form.tsx): bytes in whole MiB.
const IN_MIB: ReadonlySet<SettingKey> = new Set(['videoMaxBytes', 'videoQuotaBytes']);

const shown = (key: SettingKey, value: number) =>
  String(IN_MIB.has(key) ? Math.max(1, Math.floor(value / MIB)) : value);
const errorOf = (key: SettingKey) => element(`setting-${key}-error`, HTMLParagraphElement);
const HISTORY_PAGE = 10;

const isSettingKey = (key: string): key is SettingKey => (SETTING_KEYS as readonly string[]).includes(key);

/** A stored value as the form would show it; null: none was stored, the default applied. */
function valueText(key: string, value: SettingValue): string {
  if (value === null) return t.defaultValue;
  if (key === 'channelCreation' && (value === 'streamers' || value === 'verified')) return t.policies[value];
  if (isSettingKey(key) && IN_MIB.has(key) && typeof value === 'number')
    return t.mib(Number(shown(key, value)));
  return String(value);
}

function historyRow(change: SettingsChange): HTMLTableRowElement {
  const row = document.createElement('tr');
  const when = document.createElement('td');
  const time = textElement('time', new Date(change.createdAt).toLocaleString());
  time.dateTime = change.createdAt;
  when.append(time);
  const who = change.actor ? (change.actor.displayName ?? change.actor.username) : t.formerAdmin;
  const what = document.createElement('td');
  const list = document.createElement('ul');
  list.className = 'plain-list';
  for (const { key, from, to } of change.changes) {
    const label = isSettingKey(key) ? t.labels[key] : key;
    list.append(textElement('li', t.change(label, valueText(key, from), valueText(key, to))));
  }
  what.append(list);
  row.append(when, textElement('td', who), what);
  return row;
}

/** The history under the form: a page at a time ("Show older changes"); `reload` starts again. */
function settingsHistory(): { reload: () => Promise<void> } {
  const section = element('settings-history', HTMLElement);
  const rows = element('settings-history-rows', HTMLTableSectionElement);
  const more = element('settings-history-more', HTMLButtonElement);
  let nextCursor: string | null = null;
  const load = async (cursor?: string) => {
    const query = new URLSearchParams({ limit: String(HISTORY_PAGE), ...(cursor ? { cursor } : {}) });
    const response = await authFetch(`${SETTINGS}/history?${query}`).catch(() => undefined);
    if (!response?.ok) {
      const message = response ? await problemMessage(response, t.historyFailed) : clientText.unreachable;
      report({ error: message }, 'settings-history');
      return;
    }
    const page = (await response.json()) as SettingsHistoryPage;
    const added = page.items.map(historyRow);
    if (cursor) rows.append(...added);
    else rows.replaceChildren(...added);
    nextCursor = page.nextCursor;
    more.hidden = nextCursor === null;
    element('no-settings-history', HTMLParagraphElement).hidden = rows.rows.length > 0;
    section.hidden = false;
    // "Show older changes" hides itself on the last page: the focus goes back to the list's heading.
    if (cursor && more.hidden) element('settings-history-heading', HTMLHeadingElement).focus();
  };
  more.addEventListener('click', () => {
    if (nextCursor) void load(nextCursor);
  });
  return { reload: () => load() };
}

export async function startAdminInstancePage(): Promise<void> {
  const form = element('instance-settings-form', HTMLFormElement);
  if (!(await adminAccount())) {
    form.hidden = true;
    return;
  }
  const policy = element('setting-channelCreation', HTMLFieldSetElement);
  const radios = [...form.querySelectorAll<HTMLInputElement>('input[name="channelCreation"]')];
  const numbers = new Map(
    NUMBER_KEYS.map((key): [NumberKey, HTMLInputElement] => [
      key,
      element(`setting-${key}`, HTMLInputElement),
    ]),
  );
  const submit = form.querySelector<HTMLButtonElement>('button[type="submit"]');
  const history = settingsHistory();
  let busy = false;

  /** The fields that take focus and `aria-invalid` for a setting. */
  const fieldsOf = (key: SettingKey): HTMLInputElement[] => {
    const input = numbers.get(key as NumberKey);
    return input ? [input] : radios;
  };
  const clearErrors = () => {
    for (const key of SETTING_KEYS) {
      errorOf(key).textContent = '';
      for (const field of fieldsOf(key)) field.removeAttribute('aria-invalid');
    }
  };
  const showErrors = (errors: [SettingKey, string][]) => {
    for (const [key, message] of errors) {
      errorOf(key).textContent = message;
      for (const field of fieldsOf(key)) field.setAttribute('aria-invalid', 'true');
    }
    const [first] = errors;
    if (first) (fieldsOf(first[0]).find((field) => field.checked) ?? fieldsOf(first[0])[0])?.focus();
  };
  const show = (view: InstanceSettingsView) => {
    policy.dataset.current = view.effective.channelCreation;
    for (const radio of radios) radio.checked = radio.value === view.effective.channelCreation;
    for (const [key, input] of numbers) {
      input.value = shown(key, view.effective[key]);
      input.dataset.current = input.value;
    }
    for (const button of form.querySelectorAll<HTMLButtonElement>('button[data-restore]')) {
      button.hidden = view.overridden[button.dataset.restore as SettingKey] === undefined;
    }
  };

  /** Sends a change; true when it was saved (the form then shows what applies now). */
  const send = async (patch: Record<string, unknown>): Promise<boolean> => {
    busy = true;
    setBusy(submit, true);
    report({ done: clientText.sending }, 'instance');
    try {
      const response = await sendJson(SETTINGS, 'PATCH', patch);
      if (!response.ok) {
        const problem = (await response
          .clone()
          .json()
          .catch(() => undefined)) as Partial<Problem> | undefined;
        const fieldErrors = (problem?.errors ?? []).flatMap((error): [SettingKey, string][] => {
          const key = error.path.replace(/^body\./, '') as SettingKey;
          return SETTING_KEYS.includes(key) ? [[key, error.message]] : [];
        });
        report({ error: await problemMessage(response, clientText.saveFailed) }, 'instance');
        showErrors(fieldErrors);
        return false;
      }
      show((await response.json()) as InstanceSettingsView);
      void history.reload();
      return true;
    } catch {
      report({ error: clientText.unreachable }, 'instance');
      return false;
    } finally {
      busy = false;
      setBusy(submit, false);
    }
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (busy) return;
    clearErrors();
    const patch: Record<string, unknown> = {};
    const invalid: [SettingKey, string][] = [];
    const chosen = radios.find((radio) => radio.checked)?.value;
    if (chosen && chosen !== policy.dataset.current) patch.channelCreation = chosen;
    for (const [key, input] of numbers) {
      if (!input.checkValidity()) {
        invalid.push([key, t.wholeNumber(Number(input.min), Number(input.max))]);
      } else if (input.value !== input.dataset.current) {
        patch[key] = Number(input.value) * (IN_MIB.has(key) ? MIB : 1);
      }
    }
    if (invalid.length > 0) {
      report({ error: t.fixFields }, 'instance');
      showErrors(invalid);
      return;
    }
    if (Object.keys(patch).length === 0) {
      report({ done: t.nothingChanged }, 'instance');
      return;
    }
    void send(patch).then((saved) => {
      if (saved) report({ done: t.saved }, 'instance');
    });
  });

  for (const button of form.querySelectorAll<HTMLButtonElement>('button[data-restore]')) {
    button.addEventListener('click', () => {
      const key = button.dataset.restore as SettingKey;
      if (busy) return;
      clearErrors();
      void send({ [key]: null }).then((saved) => {
        if (!saved) return;
        report({ done: t.restored(t.labels[key]) }, 'instance');
        // The button hides itself: the focus goes to the setting it restored.
        (fieldsOf(key).find((field) => field.checked) ?? fieldsOf(key)[0])?.focus();
      });
    });
  }
  await history.reload();
}
