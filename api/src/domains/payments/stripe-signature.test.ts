/** Our Stripe signature check against headers the official SDK signs, as Stripe signs them. */
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { checkStripeSignature } from './stripe-signature.ts';

const stripe = new Stripe('sk_test_signature');
const secret = 'whsec_signature';
const payload = JSON.stringify({ id: 'evt_1', object: 'event', type: 'ping', note: 'café ✓' });
const body = new TextEncoder().encode(payload);
const now = Math.floor(Date.now() / 1000);
const sign = (options: { timestamp?: number; secret?: string; payload?: string } = {}) =>
  stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: now, ...options });

describe('checkStripeSignature', () => {
  it('accepts what the SDK signs, with any one of several v1 signatures (a rolled secret)', () => {
    expect(checkStripeSignature(body, sign(), secret, 300, now)).toBe('valid');
    const old = sign({ secret: 'whsec_old' }).split(',')[1];
    expect(checkStripeSignature(body, `${sign()},${old}`, secret, 300, now)).toBe('valid');
    expect(
      checkStripeSignature(
        body,
        `${sign({ secret: 'whsec_old' })},${sign().split(',')[1]}`,
        secret,
        300,
        now,
      ),
    ).toBe('valid');
  });

  it('refuses another secret, another body, a malformed header, and a match older than the tolerance', () => {
    expect(checkStripeSignature(body, sign({ secret: 'whsec_other' }), secret, 300, now)).toBe('mismatch');
    expect(checkStripeSignature(body, sign({ payload: `${payload} ` }), secret, 300, now)).toBe('mismatch');
    const header = sign();
    expect(checkStripeSignature(body, header.toUpperCase(), secret, 300, now)).toBe('mismatch');
    expect(checkStripeSignature(body, header.replace(/^t=\d+,/, ''), secret, 300, now)).toBe('mismatch');
    expect(checkStripeSignature(body, header.slice(0, -2), secret, 300, now)).toBe('mismatch');
    expect(checkStripeSignature(body, '', secret, 300, now)).toBe('mismatch');
    expect(checkStripeSignature(body, sign({ timestamp: now - 301 }), secret, 300, now)).toBe('stale');
    expect(checkStripeSignature(body, sign({ timestamp: now - 299 }), secret, 300, now)).toBe('valid');
    // A stale timestamp with the wrong secret is a mismatch first, as the SDK orders them.
    expect(checkStripeSignature(body, sign({ timestamp: now - 600, secret: 'x' }), secret, 300, now)).toBe(
      'mismatch',
    );
  });
});
