import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const load = (env: Record<string, string>) => loadConfig(env, { envFile: false });

describe('media storage settings', () => {
  it('defaults to the filesystem, served through the gateway', () => {
    expect(load({}).mediaStorage).toEqual({ kind: 'filesystem', publicBaseUrl: undefined });
    expect(load({ MEDIA_PUBLIC_BASE_URL: 'https://cdn.example.com/media/' }).mediaStorage).toEqual({
      kind: 'filesystem',
      publicBaseUrl: 'https://cdn.example.com/media',
    });
  });

  it('reads an S3 bucket with its endpoint, prefix, path style, credentials and CDN', () => {
    expect(
      load({
        MEDIA_STORAGE: 's3',
        S3_ENDPOINT: 'http://127.0.0.1:9000',
        S3_REGION: 'eu-west-3',
        S3_BUCKET: 'streamhub-media',
        S3_PREFIX: 'prod/',
        S3_FORCE_PATH_STYLE: 'true',
        S3_ACCESS_KEY_ID: 'key',
        S3_SECRET_ACCESS_KEY: 'secret',
        MEDIA_PUBLIC_BASE_URL: 'https://cdn.example.com',
      }).mediaStorage,
    ).toEqual({
      kind: 's3',
      endpoint: 'http://127.0.0.1:9000',
      region: 'eu-west-3',
      bucket: 'streamhub-media',
      prefix: 'prod',
      forcePathStyle: true,
      credentials: { accessKeyId: 'key', secretAccessKey: 'secret' },
      publicBaseUrl: 'https://cdn.example.com',
      privateDelivery: { kind: 'gateway' },
      hotCacheBytes: 64 * 1024 * 1024,
    });
    // AWS itself: no endpoint, the SDK's credential chain, virtual-hosted buckets.
    expect(load({ MEDIA_STORAGE: 's3', S3_BUCKET: 'media' }).mediaStorage).toMatchObject({
      endpoint: undefined,
      region: 'us-east-1',
      prefix: '',
      forcePathStyle: false,
      credentials: undefined,
    });
  });

  it("hands private media out as signed URLs only when asked, at the viewers' endpoint if one is named", () => {
    const s3 = { MEDIA_STORAGE: 's3', S3_BUCKET: 'media', S3_ENDPOINT: 'http://minio.internal:9000' };
    expect(load({ ...s3, MEDIA_PRIVATE_DELIVERY: 'signed' }).mediaStorage).toMatchObject({
      privateDelivery: { kind: 'signed', endpoint: 'http://minio.internal:9000' },
    });
    expect(
      load({ ...s3, MEDIA_PRIVATE_DELIVERY: 'signed', S3_SIGNED_URL_ENDPOINT: 'https://media.example.com' })
        .mediaStorage,
    ).toMatchObject({ privateDelivery: { kind: 'signed', endpoint: 'https://media.example.com' } });
    expect(() => load({ MEDIA_PRIVATE_DELIVERY: 'signed' })).toThrow(/needs MEDIA_STORAGE=s3/);
    expect(load({ ...s3, MEDIA_HOT_CACHE_MB: '0' }).mediaStorage).toMatchObject({ hotCacheBytes: 0 });
    expect(() => load({ ...s3, MEDIA_HOT_CACHE_MB: 'lots' })).toThrow(/MEDIA_HOT_CACHE_MB/);
    expect(() => load({ MEDIA_PRIVATE_DELIVERY: 'cdn' })).toThrow(
      /MEDIA_PRIVATE_DELIVERY must be gateway or signed/,
    );
  });

  it('refuses a half or wrong S3 setup with one line naming the variable', () => {
    expect(() => load({ MEDIA_STORAGE: 's3' })).toThrow(/S3_BUCKET must be set/);
    expect(() => load({ MEDIA_STORAGE: 's3', S3_BUCKET: 'media', S3_ACCESS_KEY_ID: 'k' })).toThrow(
      /S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY/,
    );
    expect(() => load({ MEDIA_STORAGE: 'gcs' })).toThrow(/MEDIA_STORAGE must be filesystem or s3/);
    expect(() => load({ MEDIA_STORAGE: 's3', S3_BUCKET: 'Bad_Bucket' })).toThrow(ConfigError);
    expect(() => load({ S3_ENDPOINT: 'ftp://x' })).toThrow(/S3_ENDPOINT must be a URL/);
    expect(() => load({ S3_PREFIX: '../x' })).toThrow(/S3_PREFIX/);
  });
});
