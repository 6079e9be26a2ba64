/** The one check of what Razorpay Checkout returned to a payer's page, for tips and subscriptions alike. */
import { AppError, notFound } from '@streamhub/errors/app-error';
import type { PaymentProvider, SignedCheckout } from './payment-provider.ts';

/**
 * Throws unless `signed` carries Razorpay's signature for that order or subscription (HMAC-SHA256 with
 * our key secret): 404 when Razorpay is not enabled on this instance, 400 `invalid_checkout_signature`
 * for a signature that does not match.
 */
export function checkRazorpaySignature(provider: PaymentProvider | undefined, signed: SignedCheckout): void {
  if (!provider?.verifyCheckoutSignature) throw notFound('Razorpay');
  if (provider.verifyCheckoutSignature(signed)) return;
  throw new AppError(
    400,
    'invalid_checkout_signature',
    `The checkout signature does not match the ${'orderId' in signed ? 'order' : 'subscription'}.`,
  );
}
