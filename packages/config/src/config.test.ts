import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const cwd = mkdtempSync(join(tmpdir(), 'streamhub-config-'));
const load = (env: Record<string, string>) => loadConfig(env, { cwd, envFile: false });

describe('loadConfig', () => {
  it('runs the embedded mode with no settings at all', () => {
    const config = load({});
    expect(config.port).toBe(3000);
    expect(config.host).toBe('0.0.0.0');
    expect(config.dataDir).toBe(join(cwd, '.streamhub'));
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.logLevel).toBe('info');
    expect(config.corsOrigins).toEqual([]);
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(config.channelCreation).toBe('streamers');
  });

  it('parses every typed value', () => {
    const config = load({
      PORT: '8080',
      DATABASE_URL: 'postgres://u@db:5432/streamhub',
      REDIS_URL: 'redis://cache:6379',
      CORS_ORIGINS: 'https://a.example, https://b.example',
      PUBLIC_URL: 'https://live.example/',
      TRUST_PROXY: 'true',
      CHANNEL_CREATION: 'verified',
    });
    expect(config.port).toBe(8080);
    expect(config.databaseUrl).toBe('postgres://u@db:5432/streamhub');
    expect(config.redisUrl).toBe('redis://cache:6379');
    expect(config.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.publicUrl).toBe('https://live.example');
    expect(config.trustProxy).toBe(true);
    expect(config.channelCreation).toBe('verified');
  });

  it.each([
    ['PORT', 'abc', /^Invalid configuration: PORT must be a whole number from 1 to 65535 \(got "abc"\)$/],
    ['PORT', '70000', /PORT must be from 1 to 65535/],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL must be a URL starting with postgres:/],
    ['REDIS_URL', 'not a url', /REDIS_URL must be a URL/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL must be one of fatal, error/],
    ['CORS_ORIGINS', 'https://a.example/path', /CORS_ORIGINS must be \* or a comma-separated list/],
    ['TRUST_PROXY', 'maybe', /TRUST_PROXY must be true or false/],
    ['CHANNEL_CREATION', 'anyone', /CHANNEL_CREATION must be streamers or verified/],
  ])('rejects %s=%s with one line naming it', (name, value, message) => {
    expect(() => load({ [name]: value })).toThrow(ConfigError);
    try {
      load({ [name]: value });
    } catch (error) {
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain('\n');
    }
  });

  it('reads the payment settings: off without Stripe, the cut in basis points, currencies in lower case', () => {
    const off = load({});
    expect(off.payments).toEqual({
      platformFeeBps: 1000,
      currencies: ['usd'],
      tipMinMinor: 100,
      tipMaxMinor: 100_000,
      tierMinMinor: 100,
      tierMaxMinor: 50_000,
      subscriptionGraceMs: 72 * 3_600_000,
      webhookBatch: 16,
      stripe: undefined,
      razorpay: undefined,
    });
    const on = load({
      PAYMENTS_PLATFORM_FEE_BPS: '250',
      PAYMENTS_CURRENCIES: 'USD, eur,usd',
      STRIPE_SECRET_KEY: 'sk_test_123',
      STRIPE_WEBHOOK_SECRET: 'whsec_123',
      STRIPE_API_URL: 'http://127.0.0.1:12111',
    });
    expect(on.payments.platformFeeBps).toBe(250);
    expect(on.payments.currencies).toEqual(['usd', 'eur']);
    expect(on.payments.stripe).toEqual({
      secretKey: 'sk_test_123',
      webhookSecret: 'whsec_123',
      apiUrl: 'http://127.0.0.1:12111',
    });
    expect(off.payments.razorpay).toBeUndefined();
    expect(
      load({
        RAZORPAY_KEY_ID: 'rzp_test_1',
        RAZORPAY_KEY_SECRET: 'secret',
        RAZORPAY_WEBHOOK_SECRET: 'whsecret',
        RAZORPAY_CURRENCIES: 'INR, usd',
      }).payments.razorpay,
    ).toEqual({
      keyId: 'rzp_test_1',
      keySecret: 'secret',
      webhookSecret: 'whsecret',
      currencies: ['inr', 'usd'],
      apiUrl: undefined,
    });
  });

  it.each([
    [
      { PAYMENTS_PLATFORM_FEE_BPS: '10001' },
      /PAYMENTS_PLATFORM_FEE_BPS must be a whole number of basis points/,
    ],
    [{ PAYMENTS_PLATFORM_FEE_BPS: '-1' }, /PAYMENTS_PLATFORM_FEE_BPS must be a whole number of basis points/],
    [{ PAYMENTS_CURRENCIES: 'usd,dollars' }, /PAYMENTS_CURRENCIES must be comma-separated ISO 4217 codes/],
    [
      { PAYMENTS_TIP_MIN_MINOR: '500', PAYMENTS_TIP_MAX_MINOR: '100' },
      /PAYMENTS_TIP_MIN_MINOR \(500\) must not exceed/,
    ],
    [
      { PAYMENTS_TIER_MIN_MINOR: '900', PAYMENTS_TIER_MAX_MINOR: '800' },
      /PAYMENTS_TIER_MIN_MINOR \(900\) must not exceed/,
    ],
    [{ PAYMENTS_GRACE_HOURS: '0' }, /PAYMENTS_GRACE_HOURS must be a positive number of hours/],
    [
      { RAZORPAY_KEY_ID: 'rzp_test_1', RAZORPAY_KEY_SECRET: 'razorpay_secret_value' },
      /RAZORPAY_KEY_ID, RAZORPAY_KEY_SECRET and RAZORPAY_WEBHOOK_SECRET must be set together/,
    ],
    [{ RAZORPAY_CURRENCIES: 'inr,rupees' }, /RAZORPAY_CURRENCIES must be comma-separated ISO 4217 codes/],
    [
      { STRIPE_SECRET_KEY: 'sk_test_secret_value' },
      /STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET must be set together/,
    ],
  ])('rejects the payment settings %j with one line that shows no secret', (env, message) => {
    expect(() => load(env)).toThrow(message);
    try {
      load(env);
    } catch (error) {
      expect((error as Error).message).not.toContain('\n');
      expect((error as Error).message).not.toContain('sk_test_secret_value');
    }
  });

  it('reads .env for variables the environment does not set', () => {
    const dir = mkdtempSync(join(tmpdir(), 'streamhub-envfile-'));
    writeFileSync(join(dir, '.env'), 'PORT=4000\nLOG_LEVEL=debug\n');
    const config = loadConfig({ LOG_LEVEL: 'warn' }, { cwd: dir });
    expect(config.port).toBe(4000);
    expect(config.logLevel).toBe('warn');
  });
});
