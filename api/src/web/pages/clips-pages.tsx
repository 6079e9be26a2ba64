/** @jsxImportSource hono/jsx */
/**
 * `/studio/clips`: the channel's clips (docs/clips.md) with their title, maker, length and state, a link
 * to each ready one and a button that deletes it, and whether viewers may clip. The server renders the
 * frame; the island (client/studio-clips.ts) fills it through the clips API as the channel's owner.
 */
import { clipsText as t } from '../i18n/clips.en.ts';
import type { WebAssets } from '../web-assets.ts';
import { Outcome } from './form-parts.tsx';
import { Workspace } from './workspace-layout.tsx';

export const CLIPS_PATH = '/studio/clips';

export function studioClipsPage(assets: WebAssets) {
  return (
    <Workspace assets={assets} kind="studio" path={CLIPS_PATH} heading={t.heading}>
      <div id="clips-page" hidden>
        <p>{t.intro}</p>
        <section class="panel" aria-labelledby="clip-settings-heading">
          <h2 id="clip-settings-heading">{t.settingsHeading}</h2>
          <label class="checkbox">
            <input id="viewers-may-clip" name="viewersMayClip" type="checkbox" />
            {t.viewersMayClip}
          </label>
          <Outcome id="clip-settings" />
        </section>
        <section class="panel" aria-labelledby="clips-heading">
          <h2 id="clips-heading" tabindex={-1}>
            {t.listHeading}
          </h2>
          <table class="data-table">
            <caption class="visually-hidden">{t.listHeading}</caption>
            <thead>
              <tr>
                <th scope="col">{t.title}</th>
                <th scope="col">{t.maker}</th>
                <th scope="col">{t.length}</th>
                <th scope="col">{t.state}</th>
                <th scope="col">{t.actions}</th>
              </tr>
            </thead>
            <tbody id="clips" />
          </table>
          <p id="no-clips" class="empty" hidden>
            {t.none}
          </p>
          <button id="clips-more" class="secondary" type="button" hidden>
            {t.more}
          </button>
          <Outcome id="clips" />
        </section>
      </div>
    </Workspace>
  );
}
