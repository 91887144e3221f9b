import { createRoute, z } from '@hono/zod-openapi';
import { EXPORT_MEDIA_TYPE, exportHub, type Clock, type Logger, type Store } from '@switchboard/core';
import { requireScope } from '../../http/auth.js';
import { createRouter } from '../../http/openapi-router.js';
import { errorResponses } from '../shared/views.js';

// Lines are gathered into chunks of about this size before they go to the socket.
const CHUNK_BYTES = 64 * 1024;

// Described by hand: the answer is a stream of JSON Lines, not one JSON document.
export const exportRouteDoc = createRoute({
  method: 'get',
  path: '/v1/export',
  operationId: 'exportHub',
  tags: ['export'],
  summary: 'The whole hub as JSON Lines (admin)',
  description:
    'Streams `application/x-ndjson`: a header line (format, formatVersion, hubVersion, exportedAt, counts per record type), one line per record ' +
    '(`{"type":"customer", …}`: customers, identities, merges and merge suggestions, queues, agents, conversations, interactions with their digests ' +
    'and erasure tombstones, inbound receipts, deliveries, work items, offers, assignments, routing decisions, SLA verdicts), then a trailer with the ' +
    'counts and a SHA-256 of every byte before it. A file without its trailer is incomplete. API keys, plugin state and secrets are never exported. ' +
    'The format is documented in docs/export-format.md; `switchboard import FILE` restores it into an empty hub.',
  responses: {
    200: { description: 'The export, streamed', content: { [EXPORT_MEDIA_TYPE]: { schema: z.string() } } },
    ...errorResponses,
  },
});

const fileStamp = (at: Date): string => at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');

/** `GET /v1/export`: the export read a page at a time and written as the client takes it (back-pressure through the stream's pull). */
export const exportRoutes = (deps: { store: Store; clock: Clock; logger: Logger; hubVersion: string }) => {
  const router = createRouter();
  router.get('/', requireScope('admin'), (c) => {
    const lines = exportHub(deps.store, { clock: deps.clock, hubVersion: deps.hubVersion });
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        let chunk = '';
        try {
          while (chunk.length < CHUNK_BYTES) {
            const next = await lines.next();
            if (next.done === true) {
              if (chunk !== '') controller.enqueue(encoder.encode(chunk));
              controller.close();
              return;
            }
            chunk += next.value;
          }
          controller.enqueue(encoder.encode(chunk));
        } catch (error) {
          // The answer has begun: all that is left is to cut it, so the file lacks its trailer and every reader refuses it.
          deps.logger.error({ err: error instanceof Error ? error.message : String(error) }, 'export failed while streaming; the answer was cut off');
          controller.error(error);
        }
      },
      async cancel() {
        await lines.return(undefined);
      },
    });
    return new Response(body, {
      status: 200,
      headers: {
        'content-type': `${EXPORT_MEDIA_TYPE}; charset=utf-8`,
        'content-disposition': `attachment; filename="switchboard-export-${fileStamp(deps.clock.now())}.jsonl"`,
        'cache-control': 'no-store',
      },
    });
  });
  return router;
};
