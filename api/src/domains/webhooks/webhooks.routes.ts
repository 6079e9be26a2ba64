/**
 * Webhooks under `/api/v1/webhooks`: a signed-in user's endpoints (admins' instance endpoints too), their
 * secrets, test deliveries, and the delivery log with manual redelivery (docs/webhooks.md).
 */
import {
  CreateWebhookEndpointSchema,
  RotateWebhookSecretSchema,
  UpdateWebhookEndpointSchema,
  WebhookDeliveriesQuerySchema,
  WebhookDeliveryListSchema,
  WebhookDeliveryParamsSchema,
  WebhookDeliveryQueuedSchema,
  WebhookEndpointListSchema,
  WebhookEndpointParamsSchema,
  WebhookEndpointSchema,
  WebhookEndpointWithSecretSchema,
} from '@streamhub/contracts/webhooks';
import { jsonBody, jsonResponse, problemResponse } from '../../http/responses.ts';
import { createRouter } from '../../http/router.ts';
import { signedInRoute } from '../auth/signed-in-route.ts';

const tags = ['webhooks'];
const endpointMissing = problemResponse(
  'No endpoint with this id that the caller manages (`not_found`); the id is not a uuid (`validation_failed`, 422)',
);
const badTarget = problemResponse(
  'An invalid field (`validation_failed`), or a URL whose host is private, loopback or link-local, or does not resolve (`webhook_target_forbidden`)',
);
const disabled = problemResponse('The endpoint is disabled (`conflict`)');

const createEndpoint = signedInRoute({
  method: 'post',
  path: '/endpoints',
  operationId: 'createWebhookEndpoint',
  tags,
  summary: 'Register an endpoint; the answer carries its signing secret, shown this once',
  request: { body: jsonBody(CreateWebhookEndpointSchema) },
  responses: {
    201: jsonResponse(WebhookEndpointWithSecretSchema, 'The endpoint and its secret'),
    403: problemResponse(
      'An `instance` endpoint asked by a non-admin (`forbidden`), or a suspended account (`account_suspended`)',
    ),
    422: badTarget,
  },
});

const listEndpoints = signedInRoute({
  method: 'get',
  path: '/endpoints',
  operationId: 'listWebhookEndpoints',
  tags,
  summary: "The caller's endpoints, and every instance endpoint for an admin; newest first",
  responses: { 200: jsonResponse(WebhookEndpointListSchema, 'The endpoints') },
});

const getEndpoint = signedInRoute({
  method: 'get',
  path: '/endpoints/{id}',
  operationId: 'getWebhookEndpoint',
  tags,
  summary: 'One endpoint (never its secret)',
  request: { params: WebhookEndpointParamsSchema },
  responses: { 200: jsonResponse(WebhookEndpointSchema, 'The endpoint'), 404: endpointMissing },
});

const updateEndpoint = signedInRoute({
  method: 'patch',
  path: '/endpoints/{id}',
  operationId: 'updateWebhookEndpoint',
  tags,
  summary: 'Change the URL, event types or description, or turn the endpoint off and on',
  request: { params: WebhookEndpointParamsSchema, body: jsonBody(UpdateWebhookEndpointSchema) },
  responses: {
    200: jsonResponse(WebhookEndpointSchema, 'The endpoint as it is now'),
    404: endpointMissing,
    422: badTarget,
  },
});

const deleteEndpoint = signedInRoute({
  method: 'delete',
  path: '/endpoints/{id}',
  operationId: 'deleteWebhookEndpoint',
  tags,
  summary: 'Remove an endpoint with its delivery log; queued attempts are dropped',
  request: { params: WebhookEndpointParamsSchema },
  responses: { 204: { description: 'Removed' }, 404: endpointMissing },
});

const rotateSecret = signedInRoute({
  method: 'post',
  path: '/endpoints/{id}/rotate-secret',
  operationId: 'rotateWebhookSecret',
  tags,
  summary:
    'A new signing secret, shown once; the old one keeps signing beside it for the overlap (default from the settings)',
  request: { params: WebhookEndpointParamsSchema, body: jsonBody(RotateWebhookSecretSchema, false) },
  responses: {
    200: jsonResponse(WebhookEndpointWithSecretSchema, 'The endpoint and its new secret'),
    404: endpointMissing,
    422: problemResponse('An overlap outside 0 to 7 days (`validation_failed`)'),
  },
});

const sendTest = signedInRoute({
  method: 'post',
  path: '/endpoints/{id}/test',
  operationId: 'testWebhookEndpoint',
  tags,
  summary: 'Queue a signed `webhook.test` delivery to the endpoint; its outcome appears in the delivery log',
  request: { params: WebhookEndpointParamsSchema },
  responses: {
    202: jsonResponse(WebhookDeliveryQueuedSchema, 'The queued delivery'),
    404: endpointMissing,
    409: disabled,
  },
});

const listDeliveries = signedInRoute({
  method: 'get',
  path: '/endpoints/{id}/deliveries',
  operationId: 'listWebhookDeliveries',
  tags,
  summary: "The endpoint's delivery log, newest first: each delivery's status and attempts",
  request: { params: WebhookEndpointParamsSchema, query: WebhookDeliveriesQuerySchema },
  responses: {
    200: jsonResponse(WebhookDeliveryListSchema, 'Deliveries'),
    404: endpointMissing,
    422: problemResponse('A limit outside 1 to 100 or an unknown status (`validation_failed`)'),
  },
});

const redeliver = signedInRoute({
  method: 'post',
  path: '/endpoints/{id}/deliveries/{deliveryId}/redeliver',
  operationId: 'redeliverWebhook',
  tags,
  summary: 'Send a delivery that succeeded or failed once more, as its next attempt',
  request: { params: WebhookDeliveryParamsSchema },
  responses: {
    202: jsonResponse(WebhookDeliveryQueuedSchema, 'The queued attempt'),
    404: problemResponse('No such endpoint or delivery (`not_found`)'),
    409: problemResponse('The endpoint is disabled, or the delivery is still being attempted (`conflict`)'),
  },
});

/** Mounted under `/api/v1/webhooks`. */
export const webhookRoutes = () =>
  createRouter()
    .openapi(createEndpoint, async (c) =>
      c.json(await c.var.deps.services.webhooks.createEndpoint(c.var.auth, c.req.valid('json')), 201),
    )
    .openapi(listEndpoints, async (c) =>
      c.json(await c.var.deps.services.webhooks.listEndpoints(c.var.auth), 200),
    )
    .openapi(getEndpoint, async (c) =>
      c.json(await c.var.deps.services.webhooks.getEndpoint(c.var.auth, c.req.valid('param').id), 200),
    )
    .openapi(updateEndpoint, async (c) =>
      c.json(
        await c.var.deps.services.webhooks.updateEndpoint(
          c.var.auth,
          c.req.valid('param').id,
          c.req.valid('json'),
        ),
        200,
      ),
    )
    .openapi(deleteEndpoint, async (c) => {
      await c.var.deps.services.webhooks.deleteEndpoint(c.var.auth, c.req.valid('param').id);
      return c.body(null, 204);
    })
    .openapi(rotateSecret, async (c) =>
      c.json(
        await c.var.deps.services.webhooks.rotateSecret(
          c.var.auth,
          c.req.valid('param').id,
          c.req.valid('json') ?? {},
        ),
        200,
      ),
    )
    .openapi(sendTest, async (c) =>
      c.json(await c.var.deps.services.webhooks.sendTest(c.var.auth, c.req.valid('param').id), 202),
    )
    .openapi(listDeliveries, async (c) =>
      c.json(
        await c.var.deps.services.webhooks.deliveries(
          c.var.auth,
          c.req.valid('param').id,
          c.req.valid('query'),
        ),
        200,
      ),
    )
    .openapi(redeliver, async (c) => {
      const { id, deliveryId } = c.req.valid('param');
      return c.json(await c.var.deps.services.webhooks.redeliver(c.var.auth, id, deliveryId), 202);
    });
