import { VIDEO_TITLE_MAX } from '@streamhub/contracts/videos';
import { describe, expect, it } from 'vitest';
import { recordingTitle } from './videos.service.ts';

describe('recordingTitle', () => {
  it('names the day and the UTC start time, so two broadcasts of one day differ', () => {
    const morning = recordingTitle('My show', '2026-12-06T09:05:59.999Z');
    const evening = recordingTitle('My show', '2026-12-06T14:05:00.000Z');
    expect(morning).toBe('My show — 6 Dec 2026, 09:05 UTC');
    expect(evening).toBe('My show — 6 Dec 2026, 14:05 UTC');
    // Another zone's offset is turned into UTC; September is "Sep" whatever the runtime's ICU says.
    expect(recordingTitle('My show', '2026-09-30T23:30:00-02:00')).toBe('My show — 1 Oct 2026, 01:30 UTC');
    expect(recordingTitle('My show', '2026-09-01T00:00:00Z')).toBe('My show — 1 Sep 2026, 00:00 UTC');
  });

  it('keeps the date and time whole under the title limit, shortening the channel title', () => {
    const title = recordingTitle('x'.repeat(VIDEO_TITLE_MAX), '2026-12-06T14:05:00Z');
    expect(title).toHaveLength(VIDEO_TITLE_MAX);
    expect(title.endsWith('xx — 6 Dec 2026, 14:05 UTC')).toBe(true);
    // Never half of a character outside the BMP.
    const emoji = recordingTitle(`${'x'.repeat(112)}${'🎬'.repeat(20)}`, '2026-12-06T14:05:00Z');
    expect(emoji.length).toBeLessThanOrEqual(VIDEO_TITLE_MAX);
    expect(emoji).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });
});
