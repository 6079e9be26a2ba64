/**
 * Razorpay settings (docs/payments.md): its keys, its webhook secret and the currencies it takes. Parsed
 * as part of the one process config (`config.ts` spreads {@link razorpayEnv} into its schema).
 */
import { z } from 'zod';

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);
const optionalText = z.preprocess(emptyAsUndefined, z.string().trim().min(1).optional());

export const razorpayEnv = {
  RAZORPAY_KEY_ID: optionalText,
  RAZORPAY_KEY_SECRET: optionalText,
  RAZORPAY_WEBHOOK_SECRET: optionalText,
  RAZORPAY_CURRENCIES: z
    .string()
    .trim()
    .default('inr')
    .transform((raw) => [...new Set(raw.split(',').map((code) => code.trim().toLowerCase()))])
    .refine(
      (codes) => codes.every((code) => /^[a-z]{3}$/.test(code)),
      'must be comma-separated ISO 4217 codes like inr',
    ),
  RAZORPAY_API_URL: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .trim()
      .regex(/^https?:\/\/\S+$/, 'must be an http(s) URL')
      .optional(),
  ),
};

type RazorpayEnv = z.output<z.ZodObject<typeof razorpayEnv>>;

export interface RazorpayConfig {
  keyId: string;
  keySecret: string;
  webhookSecret: string;
  /** The currencies whose tips go through Razorpay (lower case); the others go through Stripe. */
  currencies: string[];
  /** Another API base than Razorpay's (a local server speaking its API, in tests). */
  apiUrl: string | undefined;
}

/** Razorpay's settings (undefined: off), or a message naming what is wrong (for `ConfigError`). */
export function razorpayConfig(e: RazorpayEnv): RazorpayConfig | undefined | string {
  const parts = [e.RAZORPAY_KEY_ID, e.RAZORPAY_KEY_SECRET, e.RAZORPAY_WEBHOOK_SECRET].filter(Boolean).length;
  if (parts === 0) return undefined;
  // Part of a set-up would take payments whose webhooks nobody can verify, or the reverse.
  if (parts < 3) {
    return 'RAZORPAY_KEY_ID, RAZORPAY_KEY_SECRET and RAZORPAY_WEBHOOK_SECRET must be set together (or none)';
  }
  return {
    keyId: e.RAZORPAY_KEY_ID as string,
    keySecret: e.RAZORPAY_KEY_SECRET as string,
    webhookSecret: e.RAZORPAY_WEBHOOK_SECRET as string,
    currencies: e.RAZORPAY_CURRENCIES,
    apiUrl: e.RAZORPAY_API_URL,
  };
}
