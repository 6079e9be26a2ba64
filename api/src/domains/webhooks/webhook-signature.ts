/**
 * How deliveries are signed (docs/webhooks.md): `StreamHub-Signature: t=<unix seconds>,v1=<hex>` where
 * the hex is HMAC-SHA256 over `<t>.<raw body>` keyed with the endpoint's secret, one `v1` per secret
 * that signs (two while a rotation overlaps), as Stripe signs its webhooks.
 */
import { createHmac, randomBytes } from 'node:crypto';

/** A new endpoint secret: `whsec_` and 32 random bytes, base64url. The whole string is the HMAC key. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/** The signature header's value for `body` sent at `timestamp` (unix seconds), signed by each secret. */
export function signatureHeader(secrets: readonly string[], timestamp: number, body: string): string {
  const signatures = secrets.map(
    (secret) => `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`,
  );
  return [`t=${timestamp}`, ...signatures].join(',');
}
