/** @jsxImportSource hono/jsx */
/**
 * The creator studio: the channel's settings, streaming (OBS settings, stream keys, the go-live
 * checklist and the live ingest's health), videos (the drag-and-drop uploader, recordings, editing)
 * and moderation (moderators, the log). The server renders the empty forms and what it knows without
 * knowing the reader (the ingest address, the categories, the limits); each page's island fills in the
 * reader's channel through the API and sends a signed-out reader to sign in first.
 */
import type { LowLatencyMode } from '@streamhub/config/config';
import { CHANNEL_CATEGORIES, CHANNEL_TITLE_MAX, STREAM_KEY_NAME_MAX } from '@streamhub/contracts/channels';
import { VIDEO_DESCRIPTION_MAX, VIDEO_TITLE_MAX } from '@streamhub/contracts/videos';
import { pageText } from '../i18n/en.ts';
import type { WebAssets } from '../web-assets.ts';
import { Outcome } from './form-parts.tsx';
import { Workspace } from './workspace-layout.tsx';

const t = pageText.studio;

function CategorySelect({ id }: { id: string }) {
  return (
    <select id={id} name="category">
      {CHANNEL_CATEGORIES.map((category) => (
        <option value={category}>{pageText.categories[category]}</option>
      ))}
    </select>
  );
}

/**
 * The channel's LL-HLS choice, within what the instance offers (LIVE_LL_HLS): empty follows the instance;
 * where the instance offers none the choice is shown off and cannot change.
 */
function LowLatencySelect({ mode }: { mode: LowLatencyMode }) {
  const off = mode === 'off';
  return (
    <>
      <label for="channel-low-latency">{t.channel.lowLatency}</label>
      <select
        id="channel-low-latency"
        name="lowLatency"
        aria-describedby="channel-low-latency-hint"
        disabled={off}
      >
        <option value="">{t.channel.lowLatencyDefault[mode]}</option>
        {off ? null : <option value="on">{t.channel.lowLatencyOn}</option>}
        <option value="off">{t.channel.lowLatencyOff}</option>
      </select>
      <p id="channel-low-latency-hint" class="hint">
        {off ? t.channel.lowLatencyUnavailable : t.channel.lowLatencyHint}
      </p>
    </>
  );
}

export function studioChannelPage(assets: WebAssets, lowLatencyMode: LowLatencyMode) {
  return (
    <Workspace assets={assets} kind="studio" path="/studio" heading={t.channel.heading}>
      <section id="channel-create" class="panel" aria-labelledby="channel-create-heading" hidden>
        <h2 id="channel-create-heading">{t.channel.createHeading}</h2>
        <p>{t.channel.createIntro}</p>
        <form id="channel-create-form" class="stacked" method="post">
          <label for="channel-slug">{t.channel.slug}</label>
          <input
            id="channel-slug"
            name="slug"
            required
            minlength={3}
            maxlength={40}
            pattern="[a-z0-9\-]+"
            aria-describedby="channel-slug-hint"
          />
          <p id="channel-slug-hint" class="hint">
            {t.channel.slugHint}
          </p>
          <label for="channel-create-title">{t.channel.title}</label>
          <input id="channel-create-title" name="title" required maxlength={CHANNEL_TITLE_MAX} />
          <label for="channel-create-category">{t.channel.category}</label>
          <CategorySelect id="channel-create-category" />
          <button type="submit">{t.channel.create}</button>
        </form>
      </section>
      <section id="channel-settings" class="panel" aria-labelledby="channel-settings-heading" hidden>
        <h2 id="channel-settings-heading">{t.channel.settingsHeading}</h2>
        <p>
          <a id="channel-public-link" href="/">
            {t.channel.publicPage}
          </a>
        </p>
        <form id="channel-settings-form" class="stacked" method="post">
          <label for="channel-title">{t.channel.title}</label>
          <input id="channel-title" name="title" required maxlength={CHANNEL_TITLE_MAX} />
          <label for="channel-category">{t.channel.category}</label>
          <CategorySelect id="channel-category" />
          <label for="channel-tags">{t.channel.tags}</label>
          <input id="channel-tags" name="tags" maxlength={300} aria-describedby="channel-tags-hint" />
          <p id="channel-tags-hint" class="hint">
            {t.channel.tagsHint}
          </p>
          <label for="channel-language">{t.channel.language}</label>
          <input
            id="channel-language"
            name="language"
            maxlength={10}
            aria-describedby="channel-language-hint"
          />
          <p id="channel-language-hint" class="hint">
            {t.channel.languageHint}
          </p>
          <label class="checkbox">
            <input id="channel-record" name="record" type="checkbox" />
            {t.channel.record}
          </label>
          <LowLatencySelect mode={lowLatencyMode} />
          <button type="submit">{t.channel.save}</button>
        </form>
      </section>
      {/* Outside both forms: opening the channel swaps one section for the other. */}
      <Outcome id="channel" />
    </Workspace>
  );
}

export function studioStreamPage(assets: WebAssets, rtmpUrl: string) {
  return (
    <Workspace assets={assets} kind="studio" path="/studio/stream" heading={t.stream.heading}>
      <section class="panel" aria-labelledby="checklist-heading">
        <h2 id="checklist-heading">{t.stream.checklistHeading}</h2>
        <ol id="go-live-checklist" class="checklist">
          <li data-step="channel">
            {t.stream.stepChannel} <a href="/studio">{t.stream.stepChannelLink}</a>
          </li>
          <li data-step="key">{t.stream.stepKey}</li>
          <li data-step="obs">{t.stream.stepObs}</li>
          <li data-step="live">{t.stream.stepLive}</li>
        </ol>
      </section>
      <section class="panel" aria-labelledby="obs-heading">
        <h2 id="obs-heading">{t.stream.obsHeading}</h2>
        <p>{t.stream.obsIntro}</p>
        <div class="copy-field">
          <label for="obs-server">{t.stream.server}</label>
          <input id="obs-server" value={rtmpUrl} readonly />
          <button type="button" class="secondary" data-copy="obs-server">
            {t.stream.copyServer}
          </button>
        </div>
        <p class="hint">{t.stream.obsSettings}</p>
      </section>
      <section class="panel" aria-labelledby="keys-heading">
        <h2 id="keys-heading">{t.stream.keysHeading}</h2>
        <div id="new-key" class="copy-field new-key" hidden>
          <label for="new-key-secret">{t.stream.newKey}</label>
          <input id="new-key-secret" readonly aria-describedby="new-key-hint" />
          <button type="button" data-copy="new-key-secret">
            {t.stream.copyKey}
          </button>
          <p id="new-key-hint" class="hint">
            {t.stream.newKeyHint}
          </p>
        </div>
        <table class="data-table">
          <caption class="visually-hidden">{t.stream.keysHeading}</caption>
          <thead>
            <tr>
              <th scope="col">{t.stream.keyName}</th>
              <th scope="col">{t.stream.keyPrefix}</th>
              <th scope="col">{t.stream.keyLastUsed}</th>
              <th scope="col">{t.stream.keyActions}</th>
            </tr>
          </thead>
          <tbody id="keys" />
        </table>
        <p id="no-keys" class="empty" hidden>
          {t.stream.noKeys}
        </p>
        <form id="key-create-form" class="inline-form" method="post">
          <label for="key-name">{t.stream.keyName}</label>
          <input id="key-name" name="name" required maxlength={STREAM_KEY_NAME_MAX} value="OBS" />
          <button type="submit">{t.stream.createKey}</button>
        </form>
        <Outcome id="keys" />
      </section>
      <section class="panel" aria-labelledby="health-heading">
        <h2 id="health-heading">{t.stream.healthHeading}</h2>
        <p id="health-state" role="status">
          {t.stream.healthOffline}
        </p>
        <dl id="health" class="facts" hidden>
          <dt>{t.stream.resolution}</dt>
          <dd id="health-resolution" />
          <dt>{t.stream.fps}</dt>
          <dd id="health-fps" />
          <dt>{t.stream.bitrate}</dt>
          <dd id="health-bitrate" />
          <dt>{t.stream.keyframeInterval}</dt>
          <dd id="health-keyframes" />
          <dt>{t.stream.codecs}</dt>
          <dd id="health-codecs" />
        </dl>
        <p id="health-advice" class="hint" />
      </section>
    </Workspace>
  );
}

export function studioVideosPage(assets: WebAssets, maxBytes: number) {
  return (
    <Workspace assets={assets} kind="studio" path="/studio/videos" heading={t.videos.heading}>
      <section class="panel" aria-labelledby="upload-heading">
        <h2 id="upload-heading">{t.videos.uploadHeading}</h2>
        <form id="upload-form" class="stacked" method="post">
          <div id="drop-zone" class="drop-zone">
            <label for="upload-file">{t.videos.dropHere}</label>
            <input id="upload-file" name="file" type="file" accept="video/*" required />
            <p class="hint">{t.videos.maxSize(formatBytes(maxBytes))}</p>
          </div>
          <label for="upload-title">{t.videos.title}</label>
          <input id="upload-title" name="title" required maxlength={VIDEO_TITLE_MAX} />
          <label for="upload-visibility">{t.videos.visibility}</label>
          <VisibilitySelect id="upload-visibility" />
          <button type="submit">{t.videos.upload}</button>
        </form>
        <div id="upload-progress" class="upload-progress" hidden>
          <label for="upload-bar">{t.videos.progress}</label>
          <progress id="upload-bar" max={100} value={0} />
          <button id="upload-pause" type="button" class="secondary">
            {t.videos.pause}
          </button>
        </div>
        <Outcome id="upload" />
      </section>
      <section class="panel" aria-labelledby="my-videos-heading">
        <h2 id="my-videos-heading">{t.videos.listHeading}</h2>
        <table class="data-table">
          <caption class="visually-hidden">{t.videos.listHeading}</caption>
          <thead>
            <tr>
              <th scope="col">{t.videos.title}</th>
              <th scope="col">{t.videos.source}</th>
              <th scope="col">{t.videos.status}</th>
              <th scope="col">{t.videos.visibility}</th>
              <th scope="col">{t.videos.actions}</th>
            </tr>
          </thead>
          <tbody id="my-videos" />
        </table>
        <p id="no-videos" class="empty" hidden>
          {t.videos.none}
        </p>
      </section>
      <section id="video-edit" class="panel" aria-labelledby="video-edit-heading" hidden>
        <h2 id="video-edit-heading">{t.videos.editHeading}</h2>
        <form id="video-edit-form" class="stacked" method="post">
          <label for="edit-title">{t.videos.title}</label>
          <input id="edit-title" name="title" required maxlength={VIDEO_TITLE_MAX} />
          <label for="edit-description">{t.videos.description}</label>
          <textarea id="edit-description" name="description" rows={4} maxlength={VIDEO_DESCRIPTION_MAX} />
          <label for="edit-visibility">{t.videos.visibility}</label>
          <VisibilitySelect id="edit-visibility" subscribersOption />
          <div class="actions">
            <button type="submit">{t.videos.save}</button>
            <button id="video-edit-cancel" type="button" class="secondary">
              {t.videos.cancel}
            </button>
          </div>
        </form>
        <Outcome id="video-edit" />
      </section>
    </Workspace>
  );
}

/** `subscribers` is offered when editing only: a video is made subscribers-only once it exists. */
function VisibilitySelect({ id, subscribersOption = false }: { id: string; subscribersOption?: boolean }) {
  return (
    <select id={id} name="visibility">
      <option value="public">{t.videos.public}</option>
      <option value="unlisted">{t.videos.unlisted}</option>
      <option value="private">{t.videos.private}</option>
      {subscribersOption && <option value="subscribers">{t.videos.subscribers}</option>}
    </select>
  );
}

export function studioModerationPage(assets: WebAssets) {
  return (
    <Workspace assets={assets} kind="studio" path="/studio/moderation" heading={t.moderation.heading}>
      <section class="panel" aria-labelledby="moderators-heading">
        <h2 id="moderators-heading">{t.moderation.moderatorsHeading}</h2>
        <ul id="moderators" class="plain-list" />
        <p id="no-moderators" class="empty" hidden>
          {t.moderation.noModerators}
        </p>
        <form id="moderator-form" class="inline-form" method="post">
          <label for="moderator-candidate">{t.moderation.appoint}</label>
          <select id="moderator-candidate" name="userId" required aria-describedby="moderator-hint" />
          <button type="submit">{t.moderation.appointButton}</button>
        </form>
        <p id="moderator-hint" class="hint">
          {t.moderation.appointHint}
        </p>
        <Outcome id="moderators" />
      </section>
      <section class="panel" aria-labelledby="log-heading">
        <h2 id="log-heading">{t.moderation.logHeading}</h2>
        <ol id="moderation-log" class="plain-list log" />
        <p id="no-log" class="empty" hidden>
          {t.moderation.noLog}
        </p>
      </section>
    </Workspace>
  );
}

/** 10737418240 → "10 GiB": the upload limit as people read it. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}
