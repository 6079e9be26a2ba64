/** The `webhook.deliver` job's handler: one attempt of one delivery (webhooks.service.ts decides the rest). */
import type { JobDefinitionsMap } from '@streamhub/contracts/jobs';
import type { JobHandlers } from '@streamhub/infra/jobs/port';
import type { WebhooksService } from './webhooks.service.ts';

export function webhookDeliverHandler(
  webhooks: Pick<WebhooksService, 'deliver'>,
): JobHandlers<JobDefinitionsMap>['webhook.deliver'] {
  return ({ deliveryId, attempt }, context) => webhooks.deliver(deliveryId, attempt, context.signal);
}
