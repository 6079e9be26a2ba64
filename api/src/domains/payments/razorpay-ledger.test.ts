/**
 * Razorpay tips at volume and under reconciliation, on PGlite and PostgreSQL, through the official
 * `razorpay` SDK against the local Razorpay server: 50 concurrent tips to one channel end with exact
 * balances (creator, platform fees, Razorpay's clearing account); a tip paid at Razorpay whose webhook
 * never came is found by reconciliation, and found no more once the webhook is handled.
 */
import { ReconciliationSchema, TipCheckoutSchema } from '@streamhub/contracts/payments';
import { rowsOf } from '@streamhub/db/rows';
import { testDatabases } from '@streamhub/db/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAndLogin, type SignedInUser } from '../../testing/auth-helpers.ts';
import { storedEvents } from '../../testing/test-outbox.ts';
import { expectJson, send, streamerWithChannel } from '../engagement/engagement-test-kit.ts';
import { type RazorpayTestbed, startRazorpayTestbed } from './testing/razorpay-test-kit.ts';

describe.each(testDatabases())('Razorpay tips in the ledger on %s', (driver) => {
  let rp: RazorpayTestbed;

  beforeAll(async () => {
    rp = await startRazorpayTestbed(driver);
  });
  afterAll(async () => {
    await rp?.close();
  });

  const tip = async (viewer: SignedInUser, channel: string, amount: number) =>
    expectJson(
      await rp.bed.app.request(
        '/api/v1/payments/tips',
        send('POST', { channel, amount, currency: 'inr' }, viewer),
      ),
      TipCheckoutSchema,
      201,
    );
  const balanceOf = async (kind: string, owner: string) => {
    const result = await rp.bed.backends.database.db.execute(
      sql`select balance::int as balance from payments.accounts where kind = ${kind} and owner = ${owner} and currency = 'inr'`,
    );
    const rows = rowsOf<{
      balance: number;
    }>(result);
    return rows[0]?.balance ?? 0;
  };

  it('keeps exact balances for 50 concurrent tips to one channel, webhooks delivered at once', async () => {
    const channel = await streamerWithChannel(rp.bed.app, rp.bed.backends, rp.bed.deps);
    const viewer = await registerAndLogin(rp.bed.app, rp.bed.backends);
    const feesBefore = await balanceOf('platform_fees', '');
    const clearingBefore = await balanceOf('provider_clearing', 'razorpay');
    const amounts = Array.from({ length: 50 }, (_, i) => 100 + i * 13);
    const checkouts = await Promise.all(amounts.map((amount) => tip(viewer, channel.slug, amount)));
    const paid = checkouts.map((checkout) => rp.razorpay.pay(checkout.razorpay?.orderId ?? '').orderPaid);
    expect(await rp.handled(...paid)).toEqual(amounts.map(() => 'tip_booked'));

    const total = amounts.reduce((sum, amount) => sum + amount, 0);
    const fees = amounts.reduce((sum, amount) => sum + Math.floor(amount / 10), 0);
    expect((await rp.bed.earnings(channel.owner)).balances).toEqual([
      { currency: 'inr', balance: total - fees, lines: 50 },
    ]);
    // Other tests of this file may book meanwhile only in their own channels; these two are shared, so
    // the difference is compared (this test's tips are the only ones running in it).
    expect((await balanceOf('platform_fees', '')) - feesBefore).toBe(fees);
    expect((await balanceOf('provider_clearing', 'razorpay')) - clearingBefore).toBe(-total);
    const ids = new Set(checkouts.map((checkout) => checkout.paymentId));
    const tips = (await storedEvents(rp.bed.backends.database.db, 'tip.received')).filter((event) =>
      ids.has(event.paymentId),
    );
    expect(tips).toHaveLength(50);
  });

  it('reconciliation finds a tip Razorpay took whose webhook never came', async () => {
    const channel = await streamerWithChannel(rp.bed.app, rp.bed.backends, rp.bed.deps);
    const viewer = await registerAndLogin(rp.bed.app, rp.bed.backends);
    const admin = await registerAndLogin(rp.bed.app, rp.bed.backends, { role: 'admin' });
    const checkout = await tip(viewer, channel.slug, 25_000);
    const paid = rp.razorpay.pay(checkout.razorpay?.orderId ?? '');
    const differences = async () =>
      (
        await expectJson(
          await rp.bed.app.request('/api/v1/payments/reconciliation', send('GET', undefined, admin)),
          ReconciliationSchema,
        )
      ).differences.filter((difference) => difference.paymentId === checkout.paymentId);
    expect(await differences()).toEqual([
      expect.objectContaining({ kind: 'paid_not_booked', provider: 'razorpay' }),
    ]);
    expect(await rp.handled(paid.orderPaid)).toEqual(['tip_booked']);
    expect(await differences()).toEqual([]);
  });
});
