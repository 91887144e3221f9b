import { createRoute, z } from '@hono/zod-openapi';
import { INBOUND_LIMITS, type IngestPort } from '@switchboard/core';
import { requireScope } from '../../http/auth.js';
import { createRouter } from '../../http/openapi-router.js';
import { errorResponses, json } from '../shared/views.js';

export const InboundSchema = z
  .object({
    channel: z.string().min(1).max(INBOUND_LIMITS.channel).openapi({ example: 'webhook' }),
    externalId: z.string().min(1).max(INBOUND_LIMITS.externalId).openapi({ description: 'The message id at the source; (channel, externalId) is recorded once.' }),
    from: z.object({
      kind: z.string().min(1).openapi({ example: 'email' }),
      value: z.string().min(1).max(INBOUND_LIMITS.fromValue).openapi({ example: 'ann@example.com' }),
      name: z.string().max(INBOUND_LIMITS.fromName).optional(),
    }),
    threadRef: z.string().max(INBOUND_LIMITS.threadRef).optional().openapi({ description: 'The message this one answers (email In-Reply-To, a thread id)' }),
    threadRefs: z
      .array(z.string().min(1).max(INBOUND_LIMITS.threadRef))
      .max(INBOUND_LIMITS.threadRefs)
      .optional()
      .openapi({ description: 'More references, most direct first (an email References chain, newest first); threadRef, when given, comes before them' }),
    identities: z
      .array(z.object({ kind: z.string().min(1), value: z.string().min(1).max(INBOUND_LIMITS.fromValue) }))
      .max(INBOUND_LIMITS.identities)
      .optional()
      .openapi({
        description:
          'More identities the sender gave (a chat visitor who leaves an email address). A new sender naming an email or phone a customer holds is that customer (rule shared-contact); ' +
          'free ones are linked to the sender’s customer; one another customer holds stays there and records a merge suggestion',
      }),
    routing: z.enum(['route', 'record']).optional().openapi({ description: '`record`: only record it in the ledger, never queue it for an agent (imports, auto-replies)' }),
    subject: z.string().max(INBOUND_LIMITS.subject).optional(),
    text: z.string().max(INBOUND_LIMITS.text),
    html: z.string().max(INBOUND_LIMITS.html).optional(),
    occurredAt: z.iso.datetime({ offset: true }).optional(),
    attachments: z
      .array(
        z.object({
          name: z.string().min(1).max(INBOUND_LIMITS.attachmentName),
          contentType: z.string().min(1).max(INBOUND_LIMITS.attachmentContentType),
          size: z.number().int().min(0).optional(),
          url: z.url().optional(),
        }),
      )
      .max(INBOUND_LIMITS.attachments)
      .optional(),
  })
  .openapi('InboundMessage');

export const IngestResultSchema = z
  .object({ interactionId: z.string(), customerId: z.string(), conversationId: z.string(), duplicate: z.boolean() })
  .openapi('IngestResult');

const ingestRoute = createRoute({
  method: 'post',
  path: '/',
  operationId: 'ingestInbound',
  tags: ['inbound'],
  summary: 'Record an inbound message from any channel',
  middleware: [requireScope('ingest')],
  request: { body: { required: true, content: { 'application/json': { schema: InboundSchema } } } },
  responses: { 202: json(IngestResultSchema, 'Recorded (or recognised as a duplicate)'), ...errorResponses },
});

export const inboundRoutes = (deps: { ingest: IngestPort }) =>
  createRouter().openapi(ingestRoute, async (c) => {
    const body = c.req.valid('json');
    const result = await deps.ingest.ingest({
      channel: body.channel,
      externalId: body.externalId,
      from: body.from,
      threadRefs: [...(body.threadRef === undefined ? [] : [body.threadRef]), ...(body.threadRefs ?? [])],
      identities: body.identities,
      routing: body.routing,
      subject: body.subject,
      text: body.text,
      html: body.html,
      occurredAt: body.occurredAt ? new Date(body.occurredAt) : undefined,
      attachments: body.attachments,
      sourcePlugin: 'api',
    });
    return c.json(result, 202);
  });
