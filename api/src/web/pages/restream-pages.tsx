/** @jsxImportSource hono/jsx */
/**
 * `/studio/restream`: the channel's restream destinations and each forward's state (docs/restream.md).
 * The server renders the frame; the island (client/studio-restream.ts) lists, adds, toggles and
 * removes destinations through the restream API and refreshes the states while the page is visible.
 */
import { RESTREAM_KEY_MAX, RESTREAM_NAME_MAX, RESTREAM_URL_MAX } from '@streamhub/contracts/restream';
import { restreamText as t } from '../i18n/restream.en.ts';
import type { WebAssets } from '../web-assets.ts';
import { Outcome } from './form-parts.tsx';
import { Workspace } from './workspace-layout.tsx';

export const RESTREAM_PATH = '/studio/restream';

export function studioRestreamPage(assets: WebAssets) {
  return (
    <Workspace assets={assets} kind="studio" path={RESTREAM_PATH} heading={t.heading}>
      <section id="restream" class="panel" aria-labelledby="restream-heading" hidden>
        <h2 id="restream-heading">{t.destinationsHeading}</h2>
        <p>{t.intro}</p>
        <table class="data-table">
          <caption class="visually-hidden">{t.destinationsHeading}</caption>
          <thead>
            <tr>
              <th scope="col">{t.name}</th>
              <th scope="col">{t.server}</th>
              <th scope="col">{t.key}</th>
              <th scope="col">{t.state}</th>
              <th scope="col">{t.actions}</th>
            </tr>
          </thead>
          <tbody id="destinations" />
        </table>
        <p id="no-destinations" class="empty" hidden>
          {t.none}
        </p>
        <h3>{t.addHeading}</h3>
        <form id="destination-form" class="stacked" method="post">
          <label for="destination-name">{t.name}</label>
          <input id="destination-name" name="name" required maxlength={RESTREAM_NAME_MAX} />
          <label for="destination-url">{t.server}</label>
          <input
            id="destination-url"
            name="url"
            required
            maxlength={RESTREAM_URL_MAX}
            aria-describedby="destination-url-hint"
          />
          <p id="destination-url-hint" class="hint">
            {t.serverHint}
          </p>
          <label for="destination-key">{t.key}</label>
          <input
            id="destination-key"
            name="streamKey"
            type="password"
            autocomplete="off"
            required
            maxlength={RESTREAM_KEY_MAX}
          />
          <button type="submit">{t.add}</button>
        </form>
        <Outcome id="restream" />
      </section>
    </Workspace>
  );
}
