/**
 * `/studio/analytics`: the creator dashboard's island. Loads the reader's channel report (views and
 * watch time per day, QoE figures, top videos), a video's retention curve and a broadcast's concurrent
 * viewers from `/api/v1/analytics`, and draws them with uPlot (loaded only on this page: its own chunk).
 */
import type { Report } from '@streamhub/contracts/analytics';
import type { BroadcastPage } from '@streamhub/contracts/channels';
import type { VideoPage } from '@streamhub/contracts/videos';
import type uPlot from 'uplot';
import { analyticsText as t } from '../i18n/analytics.en.ts';
import { problemMessage } from './api-problem.ts';
import { authFetch } from './auth-session.ts';
import { element } from './page-data.ts';
import { myChannel, showNotice, textElement } from './workspace.ts';

type UPlotClass = typeof uPlot;
const DAY_MS = 86_400_000;
const CHART_HEIGHT = 220;

let uplotModule: Promise<UPlotClass> | undefined;
const loadUPlot = () => {
  uplotModule ??= import('uplot').then((module) => module.default);
  return uplotModule;
};

const formatDuration = (ms: number) => {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60
    ? `${minutes} min ${seconds % 60} s`
    : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
};

async function fetchReport(path: string, days: number, bucket: 'day' | 'hour'): Promise<Report | undefined> {
  const to = new Date(Math.ceil(Date.now() / DAY_MS) * DAY_MS);
  const from = new Date(to.getTime() - days * DAY_MS);
  const query = new URLSearchParams({ from: from.toISOString(), to: to.toISOString(), bucket });
  const response = await authFetch(`/api/v1/analytics/${path}?${query}`);
  if (!response.ok) {
    showNotice(await problemMessage(response, t.loadFailed));
    return undefined;
  }
  return (await response.json()) as Report;
}

/** One chart per container, replaced on every redraw. */
const charts = new Map<string, uPlot>();

async function drawChart(
  containerId: string,
  xs: number[],
  series: { label: string; values: number[]; stroke: string }[],
  options: { yMax?: number } = {},
): Promise<void> {
  const UPlot = await loadUPlot();
  const container = element(containerId, HTMLDivElement);
  charts.get(containerId)?.destroy();
  // As wide as its container, which is under 300 px on a 375 px phone (a wider floor made the page
  // scroll sideways there); the page's width less its margins while the container is not laid out.
  const width = container.clientWidth || Math.min(640, document.documentElement.clientWidth - 64);
  const chart = new UPlot(
    {
      width: Math.max(200, width),
      height: CHART_HEIGHT,
      legend: { show: false },
      scales: {
        x: { time: xs.length > 0 && xs[0] !== undefined && xs[0] > 1e8 },
        y: options.yMax === undefined ? {} : { range: [0, options.yMax] },
      },
      series: [{}, ...series.map(({ label, stroke }) => ({ label, stroke, width: 2 }))],
    },
    [xs, ...series.map((s) => s.values)],
    container,
  );
  charts.set(containerId, chart);
  container.dataset.points = String(xs.length);
}

function showFigures(report: Report): void {
  const { totals } = report;
  const figures: Record<string, string> = {
    views: String(totals.views),
    countedViews: String(totals.countedViews),
    uniqueViewers: String(totals.uniqueViewers),
    watchTime: formatDuration(totals.watchTimeMs),
    averageViewDuration: formatDuration(totals.averageViewDurationMs),
    startupP50: totals.startupP50Ms === null ? '–' : `${totals.startupP50Ms} ms`,
    startupP95: totals.startupP95Ms === null ? '–' : `${totals.startupP95Ms} ms`,
    rebufferPct: `${totals.rebufferPct} %`,
    failurePct: `${totals.failurePct} %`,
    exitsBeforeStart: String(totals.exitsBeforeStart),
  };
  for (const [key, value] of Object.entries(figures))
    element(`figure-${key}`, HTMLElement).textContent = value;
}

function showTopVideos(report: Report, titles: Map<string, string>): void {
  const body = element('top-videos', HTMLTableSectionElement);
  body.replaceChildren();
  if (report.topVideos.length === 0) {
    const row = document.createElement('tr');
    const cell = textElement('td', t.noData);
    cell.colSpan = 3;
    row.append(cell);
    body.append(row);
    return;
  }
  for (const video of report.topVideos) {
    const row = document.createElement('tr');
    const link = textElement('a', titles.get(video.videoId) ?? video.videoId);
    link.href = `/v/${encodeURIComponent(video.videoId)}`;
    const name = document.createElement('td');
    name.append(link);
    row.append(
      name,
      textElement('td', String(video.countedViews)),
      textElement('td', formatDuration(video.watchTimeMs)),
    );
    body.append(row);
  }
}

async function showChannel(slug: string, days: number, titles: Map<string, string>): Promise<void> {
  const report = await fetchReport(`channels/${encodeURIComponent(slug)}/report`, days, 'day');
  if (!report) return;
  showFigures(report);
  showTopVideos(report, titles);
  const xs = report.series.map((point) => Date.parse(point.bucket) / 1000);
  await drawChart('chart-views', xs, [
    { label: t.figures.views, values: report.series.map((p) => p.views), stroke: '#2563eb' },
    { label: t.figures.countedViews, values: report.series.map((p) => p.countedViews), stroke: '#16a34a' },
  ]);
  await drawChart('chart-watch', xs, [
    {
      label: t.watchChartHeading,
      values: report.series.map((p) => Math.round(p.watchTimeMs / 600) / 100),
      stroke: '#9333ea',
    },
  ]);
}

function fillSelect(select: HTMLSelectElement, options: { value: string; label: string }[]): void {
  select.replaceChildren(...options.map(({ value, label }) => new Option(label, value)));
}

export async function startStudioAnalyticsPage(): Promise<void> {
  const mine = await myChannel();
  if (!mine) return;
  const { channel } = mine;
  const daysSelect = element('analytics-days', HTMLSelectElement);
  const days = () => Number(daysSelect.value) || 30;

  const videosResponse = await authFetch('/api/v1/me/videos?limit=50');
  const videos = videosResponse.ok ? ((await videosResponse.json()) as VideoPage).items : [];
  const titles = new Map(videos.map((video) => [video.id, video.title]));

  element('analytics', HTMLElement).hidden = false;
  await showChannel(channel.slug, days(), titles);
  daysSelect.addEventListener('change', () => void showChannel(channel.slug, days(), titles));

  const ready = videos.filter((video) => video.status === 'ready');
  if (ready.length > 0) {
    const select = element('retention-video', HTMLSelectElement);
    fillSelect(
      select,
      ready.map((video) => ({ value: video.id, label: video.title })),
    );
    const showRetention = async () => {
      const report = await fetchReport(`videos/${encodeURIComponent(select.value)}/report`, days(), 'day');
      const curve = report?.retention ?? [];
      await drawChart(
        'chart-retention',
        curve.map((point) => point.pct),
        [{ label: t.retentionHeading, values: curve.map((point) => point.share * 100), stroke: '#ea580c' }],
        { yMax: 100 },
      );
    };
    select.addEventListener('change', () => void showRetention());
    element('analytics-retention', HTMLElement).hidden = false;
    await showRetention();
  }

  const broadcastsResponse = await authFetch(
    `/api/v1/channels/${encodeURIComponent(channel.slug)}/broadcasts`,
  );
  const broadcasts = broadcastsResponse.ok ? ((await broadcastsResponse.json()) as BroadcastPage).items : [];
  if (broadcasts.length > 0) {
    const select = element('concurrency-broadcast', HTMLSelectElement);
    fillSelect(
      select,
      broadcasts.map((broadcast) => ({
        value: broadcast.id,
        label: new Date(broadcast.startedAt).toLocaleString(),
      })),
    );
    const showConcurrency = async () => {
      const report = await fetchReport(
        `broadcasts/${encodeURIComponent(select.value)}/report`,
        days(),
        'day',
      );
      const samples = report?.concurrency?.samples ?? [];
      element('concurrency-peak', HTMLParagraphElement).textContent = t.peak(report?.concurrency?.peak ?? 0);
      await drawChart(
        'chart-concurrency',
        samples.map((sample) => Date.parse(sample.at) / 1000),
        [{ label: t.concurrencyHeading, values: samples.map((sample) => sample.viewers), stroke: '#dc2626' }],
      );
    };
    select.addEventListener('change', () => void showConcurrency());
    element('analytics-concurrency', HTMLElement).hidden = false;
    await showConcurrency();
  }
}
