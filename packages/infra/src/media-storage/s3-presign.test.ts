import { describe, expect, it } from 'vitest';
import { objectUrl, presignGetUrl } from './s3-presign.ts';

describe('presignGetUrl', () => {
  it("gives AWS's published example signature (sigv4-query-string-auth, GET examplebucket/test.txt)", () => {
    const url = presignGetUrl({
      url: new URL('https://examplebucket.s3.amazonaws.com/test.txt'),
      region: 'us-east-1',
      credentials: {
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      },
      expiresInSeconds: 86_400,
      now: new Date('2013-05-24T00:00:00Z'),
    });
    expect(url).toBe(
      'https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256' +
        '&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request' +
        '&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host' +
        '&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404',
    );
  });

  it('signs a session token in, and refuses a validity S3 would not accept', () => {
    const base = {
      url: new URL('http://127.0.0.1:9000/media/vod/a/720p-00001.ts'),
      region: 'eu-west-3',
      credentials: { accessKeyId: 'k', secretAccessKey: 's', sessionToken: 'tok/en+=' },
      now: new Date('2026-12-06T21:00:00Z'),
    };
    const signed = new URL(presignGetUrl({ ...base, expiresInSeconds: 300 }));
    expect(signed.host).toBe('127.0.0.1:9000');
    expect(signed.searchParams.get('X-Amz-Security-Token')).toBe('tok/en+=');
    expect(signed.searchParams.get('X-Amz-Expires')).toBe('300');
    // Another token is another signature: the token is part of what is signed.
    const other = new URL(
      presignGetUrl({
        ...base,
        credentials: { ...base.credentials, sessionToken: 'x' },
        expiresInSeconds: 300,
      }),
    );
    expect(other.searchParams.get('X-Amz-Signature')).not.toBe(signed.searchParams.get('X-Amz-Signature'));
    expect(() => presignGetUrl({ ...base, expiresInSeconds: 0 })).toThrow(RangeError);
    expect(() => presignGetUrl({ ...base, expiresInSeconds: 604_801 })).toThrow(RangeError);
  });
});

describe('objectUrl', () => {
  it('addresses path-style, virtual-hosted and AWS buckets as the S3 client does', () => {
    const name = 'prod/vod/x/poster.jpg';
    const at = (endpoint: string | undefined, forcePathStyle: boolean) =>
      objectUrl({ endpoint, region: 'eu-west-3', forcePathStyle, bucket: 'media', objectName: name }).href;
    expect(at('http://127.0.0.1:9000', true)).toBe('http://127.0.0.1:9000/media/prod/vod/x/poster.jpg');
    expect(at('https://s3.example.com/', false)).toBe('https://media.s3.example.com/prod/vod/x/poster.jpg');
    expect(at(undefined, false)).toBe('https://media.s3.eu-west-3.amazonaws.com/prod/vod/x/poster.jpg');
  });
});
