/** What the server put on <body> for the islands: the page kind, its subject and the player's assets. */
import type { PlayerAssets } from './player.ts';

const PLAIN_PAGES = [
  'home',
  'directory',
  'search',
  'not-found',
  'sign-in',
  'sign-up',
  'forgot-password',
  'verify-email',
  'reset-password',
  'settings',
  'docs',
  // The creator studio and admin pages (pages/workspace-layout.tsx names them after their path).
  'studio',
  'studio-stream',
  'studio-videos',
  'studio-clips',
  'studio-moderation',
  'studio-analytics',
  'studio-restream',
  'studio-earnings',
  'admin',
  'admin-live',
  'admin-instance',
] as const;
type PlainPage = (typeof PLAIN_PAGES)[number];

export type PageData =
  | { page: 'channel'; channel: string; assets: PlayerAssets }
  | { page: 'video'; playbackUrl: string; assets: PlayerAssets }
  | { page: PlainPage };

const isPlain = (page: string | undefined): page is PlainPage =>
  (PLAIN_PAGES as readonly (string | undefined)[]).includes(page);

export function readPageData(body: HTMLElement): PageData | undefined {
  const { page, channel, playbackUrl, hlsModule, hlsWorker } = body.dataset;
  if (isPlain(page)) return { page };
  if (!hlsModule || !hlsWorker) return undefined;
  const assets = { hlsModuleUrl: hlsModule, hlsWorkerUrl: hlsWorker };
  if (page === 'channel' && channel) return { page, channel, assets };
  if (page === 'video' && playbackUrl) return { page, playbackUrl, assets };
  return undefined;
}

/** The element with this id, of this type; a page without it is a server bug worth failing loudly on. */
export function element<T extends HTMLElement>(id: string, type: new () => T): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`the page has no #${id}`);
  return found;
}
