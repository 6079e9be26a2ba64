/** @jsxImportSource hono/jsx */
/**
 * The layout of the creator studio and the admin pages: the app's shell with a side navigation of the
 * workspace's sections. The sections are listed once, here: a new studio or admin page (analytics,
 * earnings, restream destinations, …) adds one line to `STUDIO_SECTIONS` or `ADMIN_SECTIONS` and renders
 * itself inside `<Workspace>`.
 */
import type { Child } from 'hono/jsx';
import { analyticsText } from '../i18n/analytics.en.ts';
import { clipsText } from '../i18n/clips.en.ts';
import { pageText } from '../i18n/en.ts';
import { earningsText } from '../i18n/payments.en.ts';
import { restreamText } from '../i18n/restream.en.ts';
import type { WebAssets } from '../web-assets.ts';
import { Shell } from './shell.tsx';

export interface WorkspaceSection {
  /** The page's path, also its `data-page` (`/studio/stream` → `studio-stream`). */
  path: string;
  label: string;
}

const studio = pageText.studio;
const admin = pageText.admin;

export const STUDIO_SECTIONS: readonly WorkspaceSection[] = [
  { path: '/studio', label: studio.channel.nav },
  { path: '/studio/stream', label: studio.stream.nav },
  { path: '/studio/videos', label: studio.videos.nav },
  { path: '/studio/clips', label: clipsText.nav },
  { path: '/studio/moderation', label: studio.moderation.nav },
  { path: '/studio/analytics', label: analyticsText.nav },
  { path: '/studio/restream', label: restreamText.nav },
  { path: '/studio/earnings', label: earningsText.nav },
];

export const ADMIN_SECTIONS: readonly WorkspaceSection[] = [
  { path: '/admin', label: admin.users.nav },
  { path: '/admin/live', label: admin.live.nav },
  { path: '/admin/instance', label: admin.instance.nav },
];

/** `/studio/stream` → `studio-stream`: the page's name for its island. */
export const pageNameOf = (path: string) => path.slice(1).replaceAll('/', '-');

export interface WorkspaceProps {
  assets: WebAssets;
  kind: 'studio' | 'admin';
  /** The current section's path. */
  path: string;
  /** The page's heading (and, after the workspace's name, its title). */
  heading: string;
  /** More `data-*` attributes of <body> for the page's island. */
  data?: Record<string, string>;
  children: Child;
}

export function Workspace({ assets, kind, path, heading, data = {}, children }: WorkspaceProps) {
  const sections = kind === 'studio' ? STUDIO_SECTIONS : ADMIN_SECTIONS;
  const name = kind === 'studio' ? studio.name : admin.name;
  return (
    <Shell assets={assets} title={`${heading} · ${name}`} data={{ ...data, page: pageNameOf(path) }}>
      <div class="workspace">
        <nav class="workspace-nav" aria-label={name}>
          <p class="workspace-name">{name}</p>
          <ul>
            {sections.map((section) => (
              <li>
                <a href={section.path} aria-current={section.path === path ? 'page' : undefined}>
                  {section.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="workspace-body">
          <h1>{heading}</h1>
          {/* Filled by the island when the reader may not use this page (signed out, not the right role). */}
          <p id="workspace-notice" class="notice" role="status" />
          {children}
        </div>
      </div>
    </Shell>
  );
}
