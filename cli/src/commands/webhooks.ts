/** `streamhub webhooks …`: the caller's webhook endpoints and their delivery log, through the gateway's API. */
import {
  type WebhookDelivery,
  WebhookDeliveryListSchema,
  WebhookDeliveryQueuedSchema,
  type WebhookEndpoint,
  WebhookEndpointListSchema,
  type WebhookEndpointWithSecret,
  WebhookEndpointWithSecretSchema,
} from '@streamhub/contracts/webhooks';
import { Command, InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { type ApiOptions, apiOptions, connectApi, pathParams } from '../api-client.ts';
import type { CliContext } from '../cli-context.ts';
import { printRecords } from '../output.ts';

interface WebhookOptions extends ApiOptions {
  json?: boolean;
}

const endpointRow = (endpoint: WebhookEndpoint) => ({
  id: endpoint.id,
  url: endpoint.url,
  scope: endpoint.scope,
  events: endpoint.events.length === 0 ? 'all' : endpoint.events.join(','),
  enabled: endpoint.enabled ? 'yes' : `no (${endpoint.disabledReason ?? 'disabled'})`,
  description: endpoint.description || '-',
});

const deliveryRow = (delivery: WebhookDelivery) => {
  const last = delivery.attempts.at(-1);
  return {
    id: delivery.id,
    event: delivery.eventType,
    status: delivery.status,
    attempts: String(delivery.attempts.length),
    'last answer': last
      ? last.responseStatus === null
        ? (last.error ?? '-')
        : String(last.responseStatus)
      : '-',
    'last latency': last ? `${last.latencyMs} ms` : '-',
    next: delivery.nextAttemptAt ?? '-',
    created: delivery.createdAt,
  };
};

const withApi = (command: Command) => {
  for (const option of apiOptions()) command.addOption(option);
  return command.option('--json', 'print JSON for scripts');
};

const uuid = (what: string) => (value: string) => {
  if (!z.uuid().safeParse(value).success) throw new InvalidArgumentError(`${what} must be a uuid.`);
  return value;
};

const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100)
    throw new InvalidArgumentError('must be a whole number from 1 to 100.');
  return n;
};

function printSecret(ctx: CliContext, endpoint: WebhookEndpointWithSecret, json: boolean | undefined): void {
  if (json) {
    ctx.stdout(`${JSON.stringify(endpoint)}\n`);
    return;
  }
  printRecords(ctx, [endpointRow(endpoint)], false);
  ctx.stdout(
    `\nsigning secret: ${endpoint.secret}\nIt is shown only now; check each delivery's StreamHub-Signature with it (docs/webhooks.md).\n`,
  );
}

export function webhooksCommand(ctx: CliContext): Command {
  const webhooks = new Command('webhooks').description('outgoing signed webhooks (through the gateway API)');

  withApi(
    webhooks.command('list').description('your webhook endpoints (an admin also sees instance ones)'),
  ).action(async (options: WebhookOptions) => {
    const api = await connectApi(ctx, options);
    const { endpoints } = await api.read(api.v1.webhooks.endpoints.$get(), WebhookEndpointListSchema);
    if (options.json) ctx.stdout(`${JSON.stringify(endpoints)}\n`);
    else printRecords(ctx, endpoints.map(endpointRow), false);
  });

  withApi(webhooks.command('create').description('register an endpoint; its signing secret is printed once'))
    .argument('<url>', 'where deliveries are POSTed (http:// or https://)')
    .option('--events <types>', 'comma-separated event types (default: every event)')
    .option('--description <text>', 'what the endpoint is for')
    .option('--instance', 'receive every event of the instance (admins)')
    .action(
      async (
        url: string,
        options: WebhookOptions & { events?: string; description?: string; instance?: boolean },
      ) => {
        const api = await connectApi(ctx, options);
        const events = options.events
          ?.split(',')
          .map((type) => type.trim())
          .filter(Boolean);
        const created = await api.read(
          api.v1.webhooks.endpoints.$post({
            json: {
              url,
              ...(events ? { events } : {}),
              ...(options.description === undefined ? {} : { description: options.description }),
              ...(options.instance ? { scope: 'instance' as const } : {}),
            },
          }),
          WebhookEndpointWithSecretSchema,
        );
        printSecret(ctx, created, options.json);
      },
    );

  withApi(webhooks.command('delete').description('remove an endpoint and its delivery log'))
    .argument('<endpoint>', 'endpoint id (from `webhooks list`)', uuid('endpoint'))
    .action(async (id: string, options: WebhookOptions) => {
      const api = await connectApi(ctx, options);
      await api.read(api.v1.webhooks.endpoints[':id'].$delete({ param: pathParams({ id }) }), z.undefined());
      if (options.json) ctx.stdout(`${JSON.stringify({ deleted: id })}\n`);
      else ctx.stdout(`deleted ${id}\n`);
    });

  withApi(
    webhooks.command('rotate-secret').description('a new signing secret; the old one overlaps for a while'),
  )
    .argument('<endpoint>', 'endpoint id', uuid('endpoint'))
    .action(async (id: string, options: WebhookOptions) => {
      const api = await connectApi(ctx, options);
      const rotated = await api.read(
        api.v1.webhooks.endpoints[':id']['rotate-secret'].$post({ param: pathParams({ id }), json: {} }),
        WebhookEndpointWithSecretSchema,
      );
      printSecret(ctx, rotated, options.json);
    });

  withApi(webhooks.command('test').description('send a signed webhook.test event to the endpoint'))
    .argument('<endpoint>', 'endpoint id', uuid('endpoint'))
    .action(async (id: string, options: WebhookOptions) => {
      const api = await connectApi(ctx, options);
      const queued = await api.read(
        api.v1.webhooks.endpoints[':id'].test.$post({ param: pathParams({ id }) }),
        WebhookDeliveryQueuedSchema,
      );
      if (options.json) ctx.stdout(`${JSON.stringify(queued)}\n`);
      else
        ctx.stdout(
          `queued test delivery ${queued.deliveryId}; see \`streamhub webhooks deliveries ${id}\`\n`,
        );
    });

  withApi(webhooks.command('deliveries').description("an endpoint's delivery log, newest first"))
    .argument('<endpoint>', 'endpoint id', uuid('endpoint'))
    .option('--limit <n>', 'how many (1 to 100, default 20)', positiveInt)
    .action(async (id: string, options: WebhookOptions & { limit?: number }) => {
      const api = await connectApi(ctx, options);
      const { deliveries } = await api.read(
        api.v1.webhooks.endpoints[':id'].deliveries.$get({
          param: pathParams({ id }),
          query: options.limit === undefined ? {} : { limit: String(options.limit) },
        }),
        WebhookDeliveryListSchema,
      );
      if (options.json) ctx.stdout(`${JSON.stringify(deliveries)}\n`);
      else printRecords(ctx, deliveries.map(deliveryRow), false);
    });

  withApi(webhooks.command('redeliver').description('send a delivery again as its next attempt'))
    .argument('<endpoint>', 'endpoint id', uuid('endpoint'))
    .argument('<delivery>', 'delivery id (from `webhooks deliveries`)', uuid('delivery'))
    .action(async (id: string, deliveryId: string, options: WebhookOptions) => {
      const api = await connectApi(ctx, options);
      const queued = await api.read(
        api.v1.webhooks.endpoints[':id'].deliveries[':deliveryId'].redeliver.$post({
          param: pathParams({ id, deliveryId }),
        }),
        WebhookDeliveryQueuedSchema,
      );
      if (options.json) ctx.stdout(`${JSON.stringify(queued)}\n`);
      else ctx.stdout(`queued delivery ${queued.deliveryId} again\n`);
    });

  return webhooks;
}
