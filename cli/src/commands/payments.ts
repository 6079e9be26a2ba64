/**
 * `streamhub payments earnings|refund|reconcile`: a creator's earnings, an admin's refund and the
 * comparison of the ledger with the providers, through the gateway's API.
 */
import { EarningsSchema, ReconciliationSchema, RefundRequestedSchema } from '@streamhub/contracts/payments';
import { Command } from 'commander';
import { type ApiOptions, apiOptions, connectApi, pathParams } from '../api-client.ts';
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
  const payments = new Command('payments').description('earnings and refunds (docs/payments.md)');

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
      .command('refund')
      .description(
        "refund a paid tip in full at its provider (admins); booked when the provider's webhook comes",
      ),
  )
    .argument('<payment>', 'the payment id')
    .action(async (payment: string, options: JsonOptions) => {
      if (!UUID.test(payment)) throw new CliError(`<payment> must be a payment id (uuid), got "${payment}"`);
      const api = await connectApi(ctx, options);
      const refund = await api.read(
        api.v1.payments.refunds[':id'].$post({ param: pathParams({ id: payment }) }),
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
