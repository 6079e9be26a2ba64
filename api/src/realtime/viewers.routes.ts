/**
 * `/api/v1/channels/{slug}/viewers`: the live viewer count, and the heartbeat through which players that
 * do not open chat still count as viewers. Both feed the same presence store as `/ws`.
 */
import { createRoute } from '@hono/zod-openapi';
import { ChannelSlugParamsSchema } from '@streamhub/contracts/channels';
import {
  VIEWER_HEARTBEAT_TTL_SECONDS,
  ViewerCountSchema,
  ViewerHeartbeatRequestSchema,
} from '@streamhub/contracts/realtime';
import { jsonResponse, problemResponse } from '../http/responses.ts';
import { createRouter } from '../http/router.ts';
import { viewerKeyOf } from './realtime-hub.ts';

// Every replica touches the same member for one viewer, so one holder name serves all of them.
export const PLAYBACK_HOLDER = 'hls';

const tags = ['viewers'];
const notFound = problemResponse('No channel has this slug (`not_found`)');

const viewerCount = createRoute({
  method: 'get',
  path: '/{slug}/viewers',
  operationId: 'getViewerCount',
  tags,
  summary: 'Unique live viewers of a channel (chat connections and playback heartbeats)',
  request: { params: ChannelSlugParamsSchema },
  responses: { 200: jsonResponse(ViewerCountSchema, 'The current count'), 404: notFound },
});

const heartbeat = createRoute({
  method: 'post',
  path: '/{slug}/viewers/heartbeat',
  operationId: 'sendViewerHeartbeat',
  tags,
  summary: `Count this player as a viewer for ${VIEWER_HEARTBEAT_TTL_SECONDS} s (send every 30 s while playing)`,
  request: {
    params: ChannelSlugParamsSchema,
    body: { required: true, content: { 'application/json': { schema: ViewerHeartbeatRequestSchema } } },
  },
  responses: {
    200: jsonResponse(ViewerCountSchema, 'The count, this viewer included'),
    404: notFound,
    422: problemResponse('The viewer id is invalid (`validation_failed`)'),
  },
});

export function viewerRoutes() {
  return createRouter()
    .openapi(viewerCount, async (c) => {
      const { presence, services } = c.var.deps;
      const room = await services.chat.room(c.req.valid('param').slug);
      return c.json({ channel: room.slug, viewerCount: await presence.count(room.channelId) }, 200);
    })
    .openapi(heartbeat, async (c) => {
      const { presence, services } = c.var.deps;
      const room = await services.chat.room(c.req.valid('param').slug);
      // The key a chat connection with this viewer id uses: a player and its chat count once.
      const viewerKey = viewerKeyOf(c.req.valid('json').viewerId);
      await presence.touch(room.channelId, viewerKey, PLAYBACK_HOLDER, VIEWER_HEARTBEAT_TTL_SECONDS * 1000);
      return c.json({ channel: room.slug, viewerCount: await presence.count(room.channelId) }, 200);
    });
}
