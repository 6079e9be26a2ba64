/** @jsxImportSource hono/jsx */
/**
 * `/studio/analytics`: the creator dashboard. The server renders the empty frame; the island
 * (client/analytics-dashboard.ts) loads the reader's reports through the analytics API and draws the
 * charts with uPlot.
 */
import { analyticsText as t } from '../i18n/analytics.en.ts';
import type { WebAssets } from '../web-assets.ts';
import { Workspace } from './workspace-layout.tsx';

export const ANALYTICS_PATH = '/studio/analytics';

const FIGURES = [
  ['views', t.figures.views],
  ['countedViews', t.figures.countedViews],
  ['uniqueViewers', t.figures.uniqueViewers],
  ['watchTime', t.figures.watchTime],
  ['averageViewDuration', t.figures.averageViewDuration],
  ['startupP50', t.figures.startupP50],
  ['startupP95', t.figures.startupP95],
  ['rebufferPct', t.figures.rebufferPct],
  ['failurePct', t.figures.failurePct],
  ['exitsBeforeStart', t.figures.exitsBeforeStart],
] as const;

export function studioAnalyticsPage(assets: WebAssets) {
  return (
    <Workspace assets={assets} kind="studio" path={ANALYTICS_PATH} heading={t.heading}>
      <section id="analytics" class="panel" aria-labelledby="analytics-summary-heading" hidden>
        <h2 id="analytics-summary-heading">{t.summaryHeading}</h2>
        <label for="analytics-days">{t.range}</label>
        <select id="analytics-days" name="days">
          {[7, 30, 90].map((days) => (
            <option value={String(days)} selected={days === 30}>
              {t.days(days)}
            </option>
          ))}
        </select>
        <dl id="analytics-figures" class="figures">
          {FIGURES.map(([key, label]) => (
            <div>
              <dt>{label}</dt>
              <dd id={`figure-${key}`}>–</dd>
            </div>
          ))}
        </dl>
        <h3>{t.viewsChartHeading}</h3>
        <div id="chart-views" class="chart" role="img" aria-label={t.viewsChartHeading} />
        <h3>{t.watchChartHeading}</h3>
        <div id="chart-watch" class="chart" role="img" aria-label={t.watchChartHeading} />
        <h3>{t.topVideosHeading}</h3>
        <table>
          <thead>
            <tr>
              <th scope="col">{t.topVideosVideo}</th>
              <th scope="col">{t.topVideosViews}</th>
              <th scope="col">{t.topVideosWatch}</th>
            </tr>
          </thead>
          <tbody id="top-videos" />
        </table>
      </section>
      <section id="analytics-retention" class="panel" aria-labelledby="retention-heading" hidden>
        <h2 id="retention-heading">{t.retentionHeading}</h2>
        <p class="hint">{t.retentionHint}</p>
        <label for="retention-video">{t.retentionVideo}</label>
        <select id="retention-video" />
        <div id="chart-retention" class="chart" role="img" aria-label={t.retentionHeading} />
      </section>
      <section id="analytics-concurrency" class="panel" aria-labelledby="concurrency-heading" hidden>
        <h2 id="concurrency-heading">{t.concurrencyHeading}</h2>
        <label for="concurrency-broadcast">{t.concurrencyBroadcast}</label>
        <select id="concurrency-broadcast" />
        <p id="concurrency-peak" />
        <div id="chart-concurrency" class="chart" role="img" aria-label={t.concurrencyHeading} />
      </section>
    </Workspace>
  );
}
