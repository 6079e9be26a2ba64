/** `/api/v1/admin/settings`: the instance settings an admin may change at run time (admin only). */
import { createRoute } from '@hono/zod-openapi';
import {
  InstanceSettingsViewSchema,
  SettingsHistoryPageSchema,
  SettingsHistoryQuerySchema,
  UpdateInstanceSettingsSchema,
} from '@streamhub/contracts/settings';
import { BEARER_AUTH, jsonBody, jsonResponse, problemResponse } from '../../http/responses.ts';
import { createRouter } from '../../http/router.ts';
import { requireRole } from '../auth/auth-guard.ts';

const tags = ['settings', 'admin'];
const adminErrors = {
  401: problemResponse('Missing, invalid, expired or revoked access token (`invalid_token`)'),
  403: problemResponse('The caller is not an admin (`forbidden`) or is suspended (`account_suspended`)'),
};

const getSettings = createRoute({
  method: 'get',
  path: '/',
  operationId: 'getInstanceSettings',
  tags,
  summary:
    'The instance settings that apply now, the environment’s defaults, and which ones an admin changed',
  security: BEARER_AUTH,
  middleware: [requireRole('admin')] as const,
  responses: {
    200: jsonResponse(InstanceSettingsViewSchema, 'The settings'),
    ...adminErrors,
  },
});

const updateSettings = createRoute({
  method: 'patch',
  path: '/',
  operationId: 'updateInstanceSettings',
  tags,
  summary:
    'Change instance settings (admin); `null` restores a setting’s default. Applies on every replica at once',
  security: BEARER_AUTH,
  middleware: [requireRole('admin')] as const,
  request: { body: jsonBody(UpdateInstanceSettingsSchema) },
  responses: {
    200: jsonResponse(InstanceSettingsViewSchema, 'The settings after the change'),
    400: problemResponse('The body is not JSON (`malformed_json`)'),
    ...adminErrors,
    422: problemResponse(
      'A setting is unknown or out of bounds, none is given, or the largest upload would exceed the quota (`validation_failed`)',
    ),
  },
});

const history = createRoute({
  method: 'get',
  path: '/history',
  operationId: 'listInstanceSettingsChanges',
  tags,
  summary:
    'The admins’ changes of the instance settings, newest first: who, when, and each setting from → to (admin)',
  security: BEARER_AUTH,
  middleware: [requireRole('admin')] as const,
  request: { query: SettingsHistoryQuerySchema },
  responses: {
    200: jsonResponse(SettingsHistoryPageSchema, 'One page of changes'),
    ...adminErrors,
    422: problemResponse('The query is invalid, or the cursor is not from this list (`validation_failed`)'),
  },
});

export const settingsRoutes = () =>
  createRouter()
    .openapi(getSettings, async (c) => c.json(await c.var.deps.services.settings.view(), 200))
    .openapi(updateSettings, async (c) =>
      c.json(await c.var.deps.services.settings.update(c.var.auth.userId, c.req.valid('json')), 200),
    )
    .openapi(history, async (c) =>
      c.json(await c.var.deps.services.settings.history(c.req.valid('query')), 200),
    );
