/**
 * `/admin/instance`: the admin changes the instance settings that apply live. Only changed fields are
 * sent; a refused field gets its error under it (aria-invalid, read with the field) and the focus, and
 * a summary is announced. Buttons stay enabled (busy: aria-disabled, forms.ts) so the focus never drops
 * to the page.
 */
import type { Problem } from '@streamhub/contracts/problem';
import type { InstanceSettingsView, SettingKey } from '@streamhub/contracts/settings';
import { clientText } from '../i18n/en.ts';
import { settingsText as t } from '../i18n/settings.en.ts';
import { problemMessage } from './api-problem.ts';
import { report, setBusy } from './forms.ts';
import { element } from './page-data.ts';
import { adminAccount, sendJson } from './workspace.ts';

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
}
