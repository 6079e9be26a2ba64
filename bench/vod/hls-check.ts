/**
 * Checks that a run wrote a complete ladder, so a broken run cannot pass for a fast one: every
 * rendition's playlist is a finished VOD playlist whose segments add up to the clip's length.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Sum of a media playlist's `#EXTINF` durations, or undefined when it lacks `#EXT-X-ENDLIST`. */
export function playlistSeconds(text: string): number | undefined {
  if (!text.includes('#EXT-X-ENDLIST')) return undefined;
  let total = 0;
  for (const match of text.matchAll(/^#EXTINF:([0-9.]+)/gm)) total += Number(match[1]);
  return total;
}

/** Throws unless `<dir>/<name>.m3u8` exists for every name and covers `seconds` (±0.5 s). */
export async function checkLadder(playlists: string[], seconds: number): Promise<void> {
  for (const path of playlists) {
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text === undefined) throw new Error(`missing playlist ${path}`);
    const covered = playlistSeconds(text);
    if (covered === undefined || Math.abs(covered - seconds) > 0.5)
      throw new Error(`${path} covers ${covered ?? 'an unfinished'} s of a ${seconds} s clip`);
  }
}

export const playlistPath = (dir: string, name: string) => join(dir, `${name}.m3u8`);
