/** @jsxImportSource hono/jsx */
/**
 * The admin's form of the instance settings that change live (`/admin/instance`): the values that apply
 * now, each field's default and variable, and a "restore the default" button where an admin changed it.
 * The island (client/admin-settings.ts) sends only what was changed and shows each field's error under it.
 */
import {
  type InstanceSettingsView,
  SETTING_LIMITS,
  SETTING_VARIABLES,
  type SettingKey,
} from '@streamhub/contracts/settings';
import { settingsText as t } from '../i18n/settings.en.ts';
import { Outcome } from './form-parts.tsx';

const MIB = 1024 * 1024;

/** Settings kept in bytes are shown and typed in whole MiB. */
export const IN_MIB: ReadonlySet<SettingKey> = new Set(['videoMaxBytes', 'videoQuotaBytes']);

const NUMBER_KEYS = [
  'videoMaxBytes',
  'videoQuotaBytes',
  'clipsPerUserPerHour',
  'restreamMaxDestinations',
] as const satisfies readonly SettingKey[];

const shown = (key: SettingKey, value: number) =>
  IN_MIB.has(key) ? Math.max(1, Math.floor(value / MIB)) : value;
const bounds = (key: (typeof NUMBER_KEYS)[number]) => {
  const { min, max } = SETTING_LIMITS[key];
  return IN_MIB.has(key) ? { min: min / MIB, max: max / MIB } : { min, max };
};

function RestoreButton({ name, view }: { name: SettingKey; view: InstanceSettingsView }) {
  return (
    <button
      type="button"
      class="secondary"
      data-restore={name}
      aria-label={t.restoreLabel(t.labels[name])}
      hidden={view.overridden[name] === undefined}
    >
      {t.restore}
    </button>
  );
}

export function InstanceSettingsForm({ view }: { view: InstanceSettingsView }) {
  const policy = view.effective.channelCreation;
  return (
    <section class="panel" aria-labelledby="instance-form-heading">
      <h2 id="instance-form-heading">{t.formHeading}</h2>
      <p>{t.formIntro}</p>
      <form id="instance-settings-form" class="stacked" method="post" novalidate>
        <fieldset
          id="setting-channelCreation"
          data-current={policy}
          aria-describedby="setting-channelCreation-hint setting-channelCreation-error"
        >
          <legend>{t.labels.channelCreation}</legend>
          {(['streamers', 'verified'] as const).map((value) => (
            <label class="checkbox">
              <input type="radio" name="channelCreation" value={value} checked={value === policy} />
              {t.policies[value]}
            </label>
          ))}
          <p id="setting-channelCreation-hint" class="hint">
            {t.defaultIs(SETTING_VARIABLES.channelCreation, t.policies[view.defaults.channelCreation])}
          </p>
          <p id="setting-channelCreation-error" class="field-error" />
          <RestoreButton name="channelCreation" view={view} />
        </fieldset>
        {NUMBER_KEYS.map((key) => {
          const { min, max } = bounds(key);
          const value = String(shown(key, view.effective[key]));
          const fallback = shown(key, view.defaults[key]);
          return (
            <div class="stacked">
              <label for={`setting-${key}`}>{t.labels[key]}</label>
              <input
                id={`setting-${key}`}
                name={key}
                type="number"
                inputmode="numeric"
                required
                min={min}
                max={max}
                step={1}
                value={value}
                data-current={value}
                aria-describedby={`setting-${key}-hint setting-${key}-error`}
              />
              <p id={`setting-${key}-hint`} class="hint">
                {t.defaultIs(SETTING_VARIABLES[key], IN_MIB.has(key) ? t.mib(fallback) : String(fallback))}
              </p>
              <p id={`setting-${key}-error`} class="field-error" />
              <RestoreButton name={key} view={view} />
            </div>
          );
        })}
        <button type="submit">{t.save}</button>
      </form>
      <Outcome id="instance" />
    </section>
  );
}

/**
 * The admins' recent changes of these settings (`listInstanceSettingsChanges`): who, when and each
 * setting from → to. Names of admins are not for every reader, so the island fills it for an admin.
 */
export function SettingsHistory() {
  return (
    <section id="settings-history" class="panel" aria-labelledby="settings-history-heading" hidden>
      <h2 id="settings-history-heading" tabindex={-1}>
        {t.historyHeading}
      </h2>
      <p>{t.historyIntro}</p>
      <table class="data-table">
        <caption class="visually-hidden">{t.historyHeading}</caption>
        <thead>
          <tr>
            <th scope="col">{t.when}</th>
            <th scope="col">{t.who}</th>
            <th scope="col">{t.what}</th>
          </tr>
        </thead>
        <tbody id="settings-history-rows" />
      </table>
      <p id="no-settings-history" class="empty" hidden>
        {t.noHistory}
      </p>
      <button id="settings-history-more" class="secondary" type="button" hidden>
        {t.olderChanges}
      </button>
      <Outcome id="settings-history" />
    </section>
  );
}
