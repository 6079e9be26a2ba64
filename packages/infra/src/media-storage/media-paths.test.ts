/**
 * The media storage port is the only way to media: no source file outside the filesystem implementation
 * may build a path into `<dataDir>/media` itself (a `join(…, 'media', …)`, a `…/media/…` path beside a
 * data directory). Tests that must look at the files use `testing.ts`, which asks the implementation.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const TREES = ['api', 'media-node', 'cli', 'packages', 'bench'];
/** Where the key → path mapping lives (and its own layout test). */
const ALLOWED = new Set([
  'packages/infra/src/media-storage/filesystem.ts',
  'packages/infra/src/media-storage/filesystem.test.ts',
  // This file's own examples.
  'packages/infra/src/media-storage/media-paths.test.ts',
]);

/** A media path built by hand: `join(…, 'media', …)` or a data directory followed by `/media`. */
const MEDIA_PATH = [/join\([^)]*['"`]media['"`]/, /(?:dataDir|DATA_DIR|\.streamhub)[^\n;]*['"`/]media[/'"`]/];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Offending lines of `text`, as `line: text`. */
export function mediaPathBuilders(text: string): string[] {
  return text
    .split('\n')
    .map((line, index) => ({ line: line.trim(), number: index + 1 }))
    .filter(({ line }) => !/^(?:\/\*|\*|\/\/)/.test(line))
    .filter(({ line }) => MEDIA_PATH.some((pattern) => pattern.test(line)))
    .map(({ line, number }) => `${number}: ${line}`);
}

describe('media paths', () => {
  it('recognises the ways a media path gets built by hand', () => {
    // Template literals as source text: `#{` stands for a placeholder's opening.
    const source = (text: string) => text.replaceAll('#{', '$' + '{');
    expect(mediaPathBuilders("const dir = join(config.dataDir, 'media', 'live');")).toHaveLength(1);
    expect(mediaPathBuilders('const dir = join(dataDir, "media");')).toHaveLength(1);
    expect(mediaPathBuilders(source('const dir = `#{config.dataDir}/media/vod/#{id}`;'))).toHaveLength(1);
    expect(mediaPathBuilders("join(cwd, '.streamhub', 'media', 'live', id)")).toHaveLength(1);
    expect(mediaPathBuilders(source('const url = `#{publicUrl}/media/avatars/#{name}`;'))).toEqual([]);
    expect(mediaPathBuilders('mediaPaths(dataDir).live(id)')).toEqual([]);
    expect(mediaPathBuilders(' * `<dataDir>/media/<key>` in a comment')).toEqual([]);
  });

  it('are built only by the filesystem implementation', () => {
    const offenders = TREES.flatMap((tree) => sourceFiles(join(ROOT, tree)))
      .map((path) => ({ path: relative(ROOT, path), lines: mediaPathBuilders(readFileSync(path, 'utf8')) }))
      .filter(({ path, lines }) => !ALLOWED.has(path) && lines.length > 0)
      .map(({ path, lines }) => `${path}\n  ${lines.join('\n  ')}`);
    expect(offenders, 'use MediaStorage and mediaKeys (tests: media-storage/testing.ts)').toEqual([]);
  });
});
