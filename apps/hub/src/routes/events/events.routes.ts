import { createRoute, z } from '@hono/zod-openapi';
import type { FollowEvents } from '@switchboard/core';
import { streamSSE } from 'hono/streaming';
import { requireScope } from '../../http/auth.js';
import { createRouter } from '../../http/openapi-router.js';
import { problemResponse, titleFor } from '../../http/problem.js';
import { errorResponses } from '../shared/views.js';

const TYPE = /^[a-z]+(\.[a-z_-]+)+$/;
const BATCH = 200;

// Described by hand: the answer is a stream, not one JSON document.
export const eventsRouteDoc = createRoute({
  method: 'get',
  path: '/v1/events',
  operationId: 'streamEvents',
  tags: ['events'],
  summary: 'Committed domain events as server-sent events, in commit order',
  description:
    'Each event: `id` (its sequence number; send it back as `Last-Event-ID` to resume after it), `event` (the type) and `data` ' +
    '(`{id, seq, type, recordedAt, data}`, where `id` is the event id, stable across retries). Without `Last-Event-ID` the stream starts with new events. ' +
    'At least once: a follower may see an event again after a reconnect and should dedupe on `id`.',
  request: {
    query: z.object({ types: z.string().optional().openapi({ example: 'conversation.queued,offer.created', description: 'comma-separated event types; default every type' }) }),
    headers: z.object({ 'last-event-id': z.string().optional().openapi({ description: 'resume after this sequence number' }) }),
  },
  responses: { 200: { description: 'The event stream', content: { 'text/event-stream': { schema: z.string() } } }, ...errorResponses },
});

const invalid = (field: string, message: string) =>
  problemResponse(422, { title: titleFor(422), detail: `Invalid ${field}`, code: 'VALIDATION_FAILED', errors: [{ field, message }] });

/** `GET /v1/events`: follows the event log by polling it, so an event relayed by any process reaches every API node. */
export const eventRoutes = (deps: { events: FollowEvents; pollMs?: number; heartbeatMs?: number }) => {
  const pollMs = deps.pollMs ?? 250;
  const heartbeatMs = deps.heartbeatMs ?? 15_000;
  const router = createRouter();
  router.get('/', requireScope('read'), async (c) => {
    const rawTypes = c.req.query('types');
    const types = rawTypes === undefined || rawTypes === '' ? null : rawTypes.split(',').map((t) => t.trim());
    if (types && !types.every((t) => TYPE.test(t))) return invalid('types', 'comma-separated event types such as conversation.queued');
    const lastEventId = c.req.header('last-event-id');
    if (lastEventId !== undefined && !/^\d{1,15}$/.test(lastEventId)) return invalid('Last-Event-ID', 'a sequence number this stream sent');
    let cursor = lastEventId === undefined ? await deps.events.latest() : Number(lastEventId);
    return streamSSE(c, async (stream) => {
      let open = true;
      stream.onAbort(() => {
        open = false;
      });
      let quietSince = Date.now();
      while (open) {
        const batch = await deps.events.after(cursor, types, BATCH);
        for (const e of batch) {
          await stream.writeSSE({ id: String(e.seq), event: e.type, data: JSON.stringify({ id: e.id, seq: e.seq, type: e.type, recordedAt: e.recordedAt.toISOString(), data: e.event }) });
          cursor = e.seq;
        }
        if (batch.length > 0) quietSince = Date.now();
        else if (Date.now() - quietSince >= heartbeatMs) {
          // A comment line keeps proxies from closing an idle stream.
          await stream.write(': keep-alive\n\n');
          quietSince = Date.now();
        }
        if (batch.length < BATCH) await stream.sleep(pollMs);
      }
    });
  });
  return router;
};
