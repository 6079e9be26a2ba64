/** Just enough HLS playlist parsing for the benchmark: variants of a master, segments of a media playlist. */

export interface MediaPlaylist {
  targetDurationS: number | undefined;
  segments: { uri: string; durationS: number }[];
}

export function parseMediaPlaylist(text: string): MediaPlaylist {
  let targetDurationS: number | undefined;
  let pending: number | undefined;
  const segments: MediaPlaylist['segments'] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#EXT-X-TARGETDURATION:')) targetDurationS = Number(line.slice(22));
    else if (line.startsWith('#EXTINF:')) pending = Number.parseFloat(line.slice(8));
    else if (line !== '' && !line.startsWith('#')) {
      if (pending !== undefined && Number.isFinite(pending)) segments.push({ uri: line, durationS: pending });
      pending = undefined;
    }
  }
  return { targetDurationS, segments };
}

/** URIs of the variant playlists a master playlist lists. */
export function parseMasterPlaylist(text: string): string[] {
  const uris: string[] = [];
  let inStreamInf = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#EXT-X-STREAM-INF:')) inStreamInf = true;
    else if (inStreamInf && line !== '' && !line.startsWith('#')) {
      uris.push(line);
      inStreamInf = false;
    }
  }
  return uris;
}

/** The sequence number in a segment name such as `720p-000042.ts` (ladder.ts writes `%v-%06d.ts`). */
export function segmentIndex(uri: string): number | undefined {
  const match = /(\d+)\.(ts|m4s)$/.exec(uri);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}
