/**
 * `streamhub payments earnings|payouts|refund|reconcile`: a creator's earnings and payouts, an admin's
 * refund and the comparison of the ledger with the providers, through the gateway's API.
 */
import {
  EarningsSchema,
  PayoutPageSchema,
  ReconciliationSchema,
  RefundRequestedSchema,
} from '@streamhub/contracts/payments';
import { Command } from 'commander';
import { type ApiOptions, apiOptions, connectApi, pathParams, problemError } from '../api-client.ts';
import type { CliContext } from '../cli-context.ts';
import { CliError } from '../cli-error.ts';
import { printRecords } from '../output.ts';

interface JsonOptions extends ApiOptions {
  json?: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const withApiOptions = (command: Command) => {
  for (const option of apiOptions()) command.addOption(option);
  return command.option('--json', 'print JSON instead of a table');
};

export function paymentsCommand(ctx: CliContext): Command {
  const payments = new Command('payments').description('earnings, payouts and refunds (docs/payments.md)');

  withApiOptions(
    payments.command('earnings').description("your channel's balances per currency, from the ledger"),
  ).action(async (options: JsonOptions) => {
    const api = await connectApi(ctx, options);
    const earnings = await api.read(api.v1.payments.earnings.$get(), EarningsSchema);
    if (options.json) {
      ctx.stdout(`${JSON.stringify(earnings)}\n`);
      return;
    }
    // Minor units as they are: the ledger never holds fractions, and neither does this table.
    printRecords(
      ctx,
      earnings.balances.map((balance) => ({
        currency: balance.currency,
        'balance (minor units)': String(balance.balance),
        lines: String(balance.lines),
      })),
      false,
    );
  });

  withApiOptions(
    payments
      .command('payouts')
      .description("your connected account's payouts to your bank, newest first, as the ledger booked them"),
  )
    .option('--limit <n>', 'payouts per page', '50')
    .option('--cursor <cursor>', 'the page after this cursor (printed after a full page)')
    .option('--currency <code>', 'only this currency, e.g. usd')
    .option('--csv', 'print every payout as CSV (minor units) instead')
    .action(
      async (options: JsonOptions & { limit: string; cursor?: string; currency?: string; csv?: boolean }) => {
        if (!/^\d+$/.test(options.limit))
          throw new CliError(`--limit must be a whole number (got "${options.limit}")`);
        const api = await connectApi(ctx, options);
        const currency = options.currency ? { currency: options.currency } : {};
        if (options.csv) {
          const response = await api.v1.payments.payouts.export.$get({ query: currency });
          if (!response.ok) throw problemError(response.status, await response.json().catch(() => undefined));
          ctx.stdout(await response.text());
          return;
        }
        const page = await api.read(
          api.v1.payments.payouts.$get({
            query: {
              limit: options.limit,
              ...currency,
              ...(options.cursor ? { cursor: options.cursor } : {}),
            },
          }),
          PayoutPageSchema,
        );
        if (options.json) {
          ctx.stdout(`${JSON.stringify(page)}\n`);
          return;
        }
        printRecords(
          ctx,
          page.items.map((payout) => ({
            created: payout.createdAt,
            payout: payout.payoutId,
            status: payout.status,
            currency: payout.currency,
            'amount (minor units)': String(payout.amount),
            arrival: payout.arrivalDate ?? '-',
          })),
          false,
        );
        if (page.nextCursor) ctx.stdout(`more: --cursor ${page.nextCursor}\n`);
      },
    );

  withApiOptions(
    payments
      .command('refund')
      .description(
        "refund a paid tip, all or part, at its provider (admins); booked when the provider's webhook comes",
      ),
  )
    .argument('<payment>', 'the payment id')
    .option('--amount <minor units>', 'refund only this much (minor units); without it, all that is left')
    .action(async (payment: string, options: JsonOptions & { amount?: string }) => {
      if (!UUID.test(payment)) throw new CliError(`<payment> must be a payment id (uuid), got "${payment}"`);
      const amount = options.amount === undefined ? undefined : Number(options.amount);
      if (amount !== undefined && !(Number.isSafeInteger(amount) && amount > 0)) {
        throw new CliError(
          `--amount must be a positive whole number of minor units, got "${options.amount}"`,
        );
      }
      const api = await connectApi(ctx, options);
      const refund = await api.read(
        api.v1.payments.refunds[':id'].$post({
          param: pathParams({ id: payment }),
          json: amount === undefined ? {} : { amount },
        }),
        RefundRequestedSchema,
      );
      if (options.json) ctx.stdout(`${JSON.stringify(refund)}\n`);
      else
        printRecords(
          ctx,
          [{ payment: refund.paymentId, refund: refund.refundId, status: refund.status }],
          false,
        );
    });

  withApiOptions(
    payments
      .command('reconcile')
      .description('compare the newest tips with their providers and print every difference (admins)'),
  )
    .option('--limit <n>', 'how many of the newest tips to compare', '200')
    .action(async (options: JsonOptions & { limit: string }) => {
      if (!/^\d+$/.test(options.limit))
        throw new CliError(`--limit must be a whole number (got "${options.limit}")`);
      const api = await connectApi(ctx, options, { timeoutMs: 120_000 });
      const result = await api.read(
        api.v1.payments.reconciliation.$get({ query: { limit: options.limit } }),
        ReconciliationSchema,
      );
      if (options.json) {
        ctx.stdout(`${JSON.stringify(result)}\n`);
        return;
      }
      ctx.stdout(`${result.checked} payments compared, ${result.differences.length} differences\n`);
      printRecords(
        ctx,
        result.differences.map((difference) => ({
          kind: difference.kind,
          provider: difference.provider,
          payment: difference.paymentId ?? '-',
          event: difference.eventId ?? '-',
          detail: difference.detail,
        })),
        false,
      );
    });

  return payments;
}
