/**
 * `/api/v1/analytics`: the player beacon API (start a view, then beacons with its token) and the reports
 * of a video, a broadcast, a channel (owners) and the instance (admins), as JSON or CSV.
 */
import { createRoute, z } from '@hono/zod-openapi';
import {
  BeaconRequestSchema,
  ChannelSlugReportParamsSchema,
  ReportIdParamsSchema,
  type ReportQuery,
  ReportQuerySchema,
  ReportSchema,
  StartedViewSchema,
  StartViewRequestSchema,
} from '@streamhub/contracts/analytics';
import type { AppContext } from '../../context.ts';
import { clientIp } from '../../http/client-ip.ts';
import { BEARER_AUTH, jsonBody, jsonResponse, problemResponse } from '../../http/responses.ts';
import { createRouter } from '../../http/router.ts';
import { requireAuth, requireRole } from '../auth/auth-guard.ts';
import { optionalBearer, optionalCaller } from '../auth/optional-auth.ts';
import type { ReportSubject } from './analytics.service.ts';
import { reportCsv } from './report-shaping.ts';

const tags = ['analytics'];

const startView = createRoute({
  method: 'post',
  path: '/views',
  operationId: 'startView',
  tags,
  summary: 'Start a view of a video or a live broadcast; returns the token its beacons carry',
  description:
    'Call on the play request. A signed-in viewer may send a token (private videos need the owner). See docs/analytics.md.',
  security: optionalBearer,
  request: { body: jsonBody(StartViewRequestSchema) },
  responses: {
    201: jsonResponse(StartedViewSchema, 'The view, its token and the heartbeat interval'),
    401: problemResponse('A token was sent and is invalid, expired or revoked (`invalid_token`)'),
    404: problemResponse(
      'No watchable video has this id, or no live broadcast this playback id (`not_found`)',
    ),
    422: problemResponse('The body is not a valid view start (`validation_failed`)'),
    503: problemResponse('Beacons are not being written fast enough; retry later (`service_unavailable`)'),
  },
});

const sendBeacon = createRoute({
  method: 'post',
  path: '/beacons',
  operationId: 'sendBeacon',
  tags,
  summary: "Report a view's state: heartbeat, startup, rebuffer, rendition switch, error, exit or end",
  description:
    'Every beacon carries the cumulative state of the view. Accepted beacons are written in batches: 202, no body. Limited per view token, not per address.',
  request: { body: jsonBody(BeaconRequestSchema) },
  responses: {
    202: { description: 'Accepted' },
    403: problemResponse('The view token is forged or expired (`invalid_view_token`)'),
    422: problemResponse('The body is not a valid beacon (`validation_failed`)'),
    429: problemResponse(
      'This view sent more than ANALYTICS_BEACONS_PER_VIEW beacons in 10 s; wait `Retry-After` seconds (`rate_limited`)',
    ),
    503: problemResponse('Beacons are not being written fast enough; retry later (`service_unavailable`)'),
  },
});

const reportResponses = {
  200: {
    description: 'The report (JSON), or its series as CSV with `format=csv`',
    content: {
      'application/json': { schema: ReportSchema },
      'text/csv': { schema: z.string() },
    },
  },
  401: problemResponse('Missing, invalid, expired or revoked access token (`invalid_token`)'),
  403: problemResponse('The caller is not the owner or an admin (`forbidden`)'),
  422: problemResponse('A bad range or bucket (`validation_failed`)'),
};

const videoReport = createRoute({
  method: 'get',
  path: '/videos/{id}/report',
  operationId: 'getVideoAnalytics',
  tags,
  summary: "A video's views, watch time, QoE and retention over a range (its owner or an admin)",
  security: BEARER_AUTH,
  middleware: [requireAuth] as const,
  request: { params: ReportIdParamsSchema, query: ReportQuerySchema },
  responses: { ...reportResponses, 404: problemResponse('No video has this id (`not_found`)') },
});

const broadcastReport = createRoute({
  method: 'get',
  path: '/broadcasts/{id}/report',
  operationId: 'getBroadcastAnalytics',
  tags,
  summary: "A broadcast's views, QoE and concurrent viewers every 10 s with the peak (its owner or an admin)",
  security: BEARER_AUTH,
  middleware: [requireAuth] as const,
  request: { params: ReportIdParamsSchema, query: ReportQuerySchema },
  responses: {
    ...reportResponses,
    404: problemResponse('No broadcast (live session) has this id (`not_found`)'),
  },
});

const channelReport = createRoute({
  method: 'get',
  path: '/channels/{slug}/report',
  operationId: 'getChannelAnalytics',
  tags,
  summary:
    "A channel's videos and broadcasts together, with its top videos and referrers (its owner or an admin)",
  security: BEARER_AUTH,
  middleware: [requireAuth] as const,
  request: { params: ChannelSlugReportParamsSchema, query: ReportQuerySchema },
  responses: { ...reportResponses, 404: problemResponse('No channel has this slug (`not_found`)') },
});

const instanceReport = createRoute({
  method: 'get',
  path: '/instance/report',
  operationId: 'getInstanceAnalytics',
  tags,
  summary: 'The whole instance: views, QoE, top videos and referrers (admins)',
  security: BEARER_AUTH,
  middleware: [requireRole('admin')] as const,
  request: { query: ReportQuerySchema },
  responses: reportResponses,
});

async function answerReport(c: AppContext, subject: ReportSubject, query: ReportQuery) {
  const report = await c.var.deps.services.analytics.report(c.var.auth, subject, query);
  if (query.format === 'csv') {
    c.header('Content-Disposition', `attachment; filename="analytics-${subject.kind}.csv"`);
    return c.body(reportCsv(report), 200, { 'Content-Type': 'text/csv; charset=utf-8' });
  }
  return c.json(report, 200);
}

export const analyticsRoutes = () =>
  createRouter()
    .openapi(startView, async (c) => {
      const caller = await optionalCaller(c);
      const started = await c.var.deps.services.analytics.startView(caller, c.req.valid('json'), {
        address: clientIp(c, c.var.deps),
        userAgent: c.req.header('user-agent') ?? '',
      });
      return c.json(started, 201);
    })
    .openapi(sendBeacon, async (c) => {
      await c.var.deps.services.analytics.beacon(c.req.valid('json'));
      return c.body(null, 202);
    })
    .openapi(videoReport, (c) =>
      answerReport(c, { kind: 'video', id: c.req.valid('param').id }, c.req.valid('query')),
    )
    .openapi(broadcastReport, (c) =>
      answerReport(c, { kind: 'broadcast', id: c.req.valid('param').id }, c.req.valid('query')),
    )
    .openapi(channelReport, (c) =>
      answerReport(c, { kind: 'channel', slug: c.req.valid('param').slug }, c.req.valid('query')),
    )
    .openapi(instanceReport, (c) => answerReport(c, { kind: 'instance' }, c.req.valid('query')));
