/**
 * Lighthouse (the npm package's Node API) on Debian's chromium, driven through puppeteer-core: no browser
 * is downloaded. The app keeps its session in localStorage (the API speaks bearer tokens, not cookies),
 * so a signed-in page is measured by putting the session there first and telling Lighthouse not to
 * clear the origin's storage, as a returning reader's browser holds it.
 */
import { writeFile } from 'node:fs/promises';
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import puppeteer, { type Browser } from 'puppeteer-core';

export type Preset = 'desktop' | 'mobile';

export interface LighthouseScores {
  performance: number;
  accessibility: number;
  bestPractices: number;
  /** The metrics behind the performance score, in ms (CLS unitless). */
  metrics: { fcp: number; lcp: number; tbt: number; cls: number; si: number };
  /** Gzipped bytes of every script the page loaded, as Lighthouse's network records saw them. */
  scriptBytes: { url: string; bytes: number }[];
  /** Audits that cost points (score under 0.9): category/id and score. */
  failing: string[];
  /**
   * Lighthouse's measure of the CPU during the run (a quiet desktop of 2024 scores well above 1,000; it
   * falls as the machine gets busier). Task durations, hence TBT, scale with it.
   */
  benchmarkIndex: number;
}

const CHROMIUM_FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchForLighthouse(executablePath: string): Promise<Browser> {
  return puppeteer.launch({ executablePath, args: CHROMIUM_FLAGS, headless: true });
}

interface AuditResult {
  score: number | null;
  numericValue?: number;
  scoreDisplayMode?: string;
  details?: { items?: { url?: string; transferSize?: number; resourceType?: string }[] };
}

/**
 * One Lighthouse run of `url` in a fresh incognito context of `browser`. `localStorage` is written into
 * the page's origin before the run (and kept, `disableStorageReset`), so the islands see a signed-in
 * reader. `desktop` is Lighthouse's desktop preset (1350×940, 10 Mbit/s, 40 ms RTT, no CPU slowdown);
 * `mobile` its default (Moto G Power, slow 4G, 4× CPU slowdown), both with simulated throttling.
 */
export async function runLighthouse(
  browser: Browser,
  url: string,
  preset: Preset,
  localStorage: Record<string, string> = {},
  reportPath?: string,
): Promise<LighthouseScores> {
  const context = await browser.createBrowserContext();
  try {
    const page = await context.newPage();
    if (Object.keys(localStorage).length > 0) {
      // Any page of the origin will do; a small one that needs no session.
      await page.goto(new URL('/healthz', url).href);
      // A string, not a function: tsx would add its name helper, which the page does not have.
      await page.evaluate(
        Object.entries(localStorage)
          .map(([key, value]) => `localStorage.setItem(${JSON.stringify(key)}, ${JSON.stringify(value)});`)
          .join('\n'),
      );
    }
    const result = await lighthouse(
      url,
      {
        output: 'json',
        logLevel: 'error',
        onlyCategories: ['performance', 'accessibility', 'best-practices'],
        disableStorageReset: true,
      },
      preset === 'desktop' ? desktopConfig : undefined,
      page,
    );
    if (!result) throw new Error(`Lighthouse gave no result for ${url}`);
    const { lhr } = result;
    if (reportPath) await writeFile(reportPath, JSON.stringify(lhr));
    if (lhr.runtimeError) throw new Error(`Lighthouse on ${url}: ${lhr.runtimeError.message}`);
    const audits = lhr.audits as Record<string, AuditResult>;
    const numeric = (id: string) => audits[id]?.numericValue ?? Number.NaN;
    const category = (id: string) => Math.round((lhr.categories[id]?.score ?? Number.NaN) * 100);
    const failing = ['accessibility', 'best-practices', 'performance'].flatMap((id) =>
      (lhr.categories[id]?.auditRefs ?? [])
        .filter((ref) => ref.weight > 0)
        .map((ref) => ({ id: ref.id, audit: audits[ref.id] }))
        .filter(({ audit }) => audit?.score !== null && audit?.score !== undefined && audit.score < 0.9)
        .map(({ id: auditId, audit }) => `${id}/${auditId} ${audit?.score}`),
    );
    const requests = audits['network-requests']?.details?.items ?? [];
    return {
      performance: category('performance'),
      accessibility: category('accessibility'),
      bestPractices: category('best-practices'),
      metrics: {
        fcp: numeric('first-contentful-paint'),
        lcp: numeric('largest-contentful-paint'),
        tbt: numeric('total-blocking-time'),
        cls: numeric('cumulative-layout-shift'),
        si: numeric('speed-index'),
      },
      scriptBytes: requests
        .filter((request) => request.resourceType === 'Script' && request.url)
        .map((request) => ({ url: request.url ?? '', bytes: request.transferSize ?? 0 })),
      failing,
      benchmarkIndex: lhr.environment.benchmarkIndex,
    };
  } finally {
    await context.close();
  }
}
