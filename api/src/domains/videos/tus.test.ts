import { AppError } from '@streamhub/errors/app-error';
import { describe, expect, it } from 'vitest';
import { encodeUploadMetadata, parseByteCount, parseUploadMetadata } from './tus.ts';

describe('tus headers', () => {
  it('round-trips Upload-Metadata, with empty values and UTF-8', () => {
    const header = encodeUploadMetadata({
      title: 'Café talk — part 2',
      tags: 'a,b',
      empty: '',
      skipped: undefined,
    });
    expect(header).toBe(`title ${Buffer.from('Café talk — part 2').toString('base64')},tags YSxi,empty`);
    expect(parseUploadMetadata(header)).toEqual({ title: 'Café talk — part 2', tags: 'a,b', empty: '' });
    expect(parseUploadMetadata('flag,title dGl0bGU=')).toEqual({ flag: '', title: 'title' });
    expect(parseUploadMetadata(undefined)).toEqual({});
  });

  it('refuses malformed metadata with a 400', () => {
    for (const bad of ['title ***', 'title a b', 'title dA==,title dA==', 'bad/key dA==', ',']) {
      expect(() => parseUploadMetadata(bad), bad).toThrow(AppError);
    }
  });

  it('refuses values that are not UTF-8 (400) or hold a NUL (422), whatever the key', () => {
    const base64 = (bytes: number[]) => Buffer.from(bytes).toString('base64');
    expect(() => parseUploadMetadata(`title ${base64([0x61, 0xff, 0x62])}`)).toThrow(/not UTF-8/);
    for (const key of ['title', 'unknown']) {
      const header = encodeUploadMetadata({ [key]: 'a\u0000b' });
      expect(() => parseUploadMetadata(header)).toThrow(
        expect.objectContaining({
          status: 422,
          errors: [expect.objectContaining({ path: `header.upload-metadata.${key}` })],
        }),
      );
    }
  });

  it('reads byte counts strictly', () => {
    expect(parseByteCount('Upload-Offset', '0')).toBe(0);
    expect(parseByteCount('Upload-Offset', undefined)).toBeUndefined();
    for (const bad of ['-1', '1.5', '1e3', '', 'x', '99999999999999999']) {
      expect(() => parseByteCount('Upload-Offset', bad), bad).toThrow(/whole number/);
    }
  });
});
