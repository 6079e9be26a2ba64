import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { streamerWithChannel } from '@streamhub/api/domains/engagement/engagement-test-kit';
import {
  type PaymentsTestbed,
  startPaymentsTestbed,
} from '@streamhub/api/domains/payments/testing/payments-test-kit';
import { serveOnNode } from '@streamhub/api/server/node';
import type { RunningServer } from '@streamhub/api/server/types';
import { registerAndLogin } from '@streamhub/api/testing/auth-helpers';
import {
  EarningsSchema,
  PayoutPageSchema,
  ReconciliationSchema,
  RefundRequestedSchema,
  TipCheckoutSchema,
} from '@streamhub/contracts/payments';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../testing/cli-process.ts';

// The CLI as a child process against a real gateway on a real port (PGlite, Stripe's SDK against the
// local Stripe server), a tip paid through a signed webhook.
describe('streamhub payments against a running gateway', { timeout: 120_000 }, () => {
  const cwd = mkdtempSync(join(tmpdir(), 'streamhub-payments-'));
  let bed: PaymentsTestbed;
  let server: RunningServer;
  let base: string;

  const run = (args: string[], token: string) =>
    runCli(args, {
      cwd,
      env: { STREAMHUB_URL: base, XDG_CONFIG_HOME: join(cwd, 'config'), STREAMHUB_TOKEN: token },
    });

  beforeAll(async () => {
    bed = await startPaymentsTestbed('pglite');
    server = await serveOnNode({ fetch: bed.app.fetch, host: '127.0.0.1', port: 0, gracePeriodMs: 1000 });
    base = `http://127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server?.close();
    await bed?.close();
  });

  it('prints a creator’s earnings, lets an admin refund a tip and reconcile (a planted difference found); refuses what it must in one line', async () => {
    const channel = await streamerWithChannel(bed.app, bed.backends, bed.deps);
    const viewer = await registerAndLogin(bed.app, bed.backends);
    const tip = TipCheckoutSchema.parse(
      await (
        await bed.app.request('/api/v1/payments/tips', {
          method: 'POST',
          headers: { authorization: viewer.authorization, 'content-type': 'application/json' },
          body: JSON.stringify({ channel: channel.slug, amount: 1500, currency: 'usd' }),
        })
      ).json(),
    );
    const session = [...bed.stripe.sessions.values()].find((s) => s.client_reference_id === tip.paymentId);
    const completed = bed.stripe.complete(session?.id ?? '');
    await bed.deliver(JSON.stringify(completed));
    await bed.processed(completed.id);

    const json = await run(['payments', 'earnings', '--json'], channel.owner.accessToken);
    expect(json.code, json.stderr).toBe(0);
    expect(EarningsSchema.parse(JSON.parse(json.stdout)).balances).toEqual([
      { currency: 'usd', balance: 1350, lines: 1 },
    ]);
    const table = await run(['payments', 'earnings'], channel.owner.accessToken);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^CURRENCY\s+BALANCE \(MINOR UNITS\)\s+LINES\n/);
    expect(table.stdout).toMatch(/usd\s+1350\s+1/);

    const notAdmin = await run(['payments', 'refund', tip.paymentId], channel.owner.accessToken);
    expect(notAdmin.code).not.toBe(0);
    expect(notAdmin.stderr.trim().split('\n')).toHaveLength(1);
    const admin = await registerAndLogin(bed.app, bed.backends, { role: 'admin' });
    const refunded = await run(['payments', 'refund', tip.paymentId, '--json'], admin.accessToken);
    expect(refunded.code, refunded.stderr).toBe(0);
    const refund = RefundRequestedSchema.parse(JSON.parse(refunded.stdout));
    expect(bed.stripe.refunds.get(refund.refundId)).toMatchObject({ amount: 1500 });

    // A difference planted: a tip paid at Stripe whose webhook never came.
    const unbooked = TipCheckoutSchema.parse(
      await (
        await bed.app.request('/api/v1/payments/tips', {
          method: 'POST',
          headers: { authorization: viewer.authorization, 'content-type': 'application/json' },
          body: JSON.stringify({ channel: channel.slug, amount: 700, currency: 'usd' }),
        })
      ).json(),
    );
    const lost = [...bed.stripe.sessions.values()].find((s) => s.client_reference_id === unbooked.paymentId);
    bed.stripe.complete(lost?.id ?? '');
    const reconciled = await run(['payments', 'reconcile', '--json'], admin.accessToken);
    expect(reconciled.code, reconciled.stderr).toBe(0);
    expect(ReconciliationSchema.parse(JSON.parse(reconciled.stdout))).toEqual({
      checked: 2,
      differences: [
        {
          kind: 'paid_not_booked',
          provider: 'stripe',
          paymentId: unbooked.paymentId,
          eventId: null,
          detail: 'stripe took 700 usd; ours is pending',
        },
      ],
    });
    const report = await run(['payments', 'reconcile'], admin.accessToken);
    expect(report.stdout).toMatch(/^2 payments compared, 1 differences\nKIND\s+PROVIDER/);
    expect((await run(['payments', 'reconcile'], viewer.accessToken)).code).not.toBe(0);

    const bad = await run(['payments', 'refund', 'tip-42'], admin.accessToken);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim()).toBe('streamhub: <payment> must be a payment id (uuid), got "tip-42"');
    const noChannel = await run(['payments', 'earnings'], viewer.accessToken);
    expect(noChannel.code).not.toBe(0);
    expect(noChannel.stderr.trim().split('\n')).toHaveLength(1);
  });
  it('lists a creator’s payouts as a table, as JSON and as CSV', async () => {
    const channel = await streamerWithChannel(bed.app, bed.backends, bed.deps);
    const onboarding = await bed.app.request('/api/v1/payments/connect/onboarding', {
      method: 'POST',
      headers: { authorization: channel.owner.authorization },
    });
    const { accountId } = (await onboarding.json()) as { accountId: string };
    const deliverConnect = async (event: ReturnType<typeof bed.stripe.payout>) => {
      const raw = JSON.stringify(event);
      await bed.deliver(raw, await bed.stripe.sign(raw, { secret: bed.stripe.connectWebhookSecret }));
      await bed.processed(event.id);
    };
    await deliverConnect(bed.stripe.finishOnboarding(accountId));
    const payout = bed.stripe.payout(accountId, 700, 'usd');
    await deliverConnect(payout);

    const json = await run(['payments', 'payouts', '--json'], channel.owner.accessToken);
    expect(json.code, json.stderr).toBe(0);
    expect(PayoutPageSchema.parse(JSON.parse(json.stdout)).items).toMatchObject([
      { payoutId: payout.data.object.id, status: 'paid', amount: 700, currency: 'usd' },
    ]);
    const table = await run(['payments', 'payouts'], channel.owner.accessToken);
    expect(table.stdout).toMatch(
      /^CREATED\s+PAYOUT\s+STATUS\s+CURRENCY\s+AMOUNT \(MINOR UNITS\)\s+ARRIVAL\n/,
    );
    expect(table.stdout).toContain(String(payout.data.object.id));
    const csv = await run(['payments', 'payouts', '--csv'], channel.owner.accessToken);
    expect(csv.stdout.split('\r\n')[1]?.split(',').slice(3, 7)).toEqual([
      String(payout.data.object.id),
      'paid',
      'usd',
      '700',
    ]);
    const noChannel = await run(
      ['payments', 'payouts'],
      (await registerAndLogin(bed.app, bed.backends)).accessToken,
    );
    expect(noChannel.code).not.toBe(0);
    expect(noChannel.stderr.trim().split('\n')).toHaveLength(1);
  });
});
