import { createRoute, z } from '@hono/zod-openapi';
import type { DeskQueries } from '@switchboard/core';
import { requireScope } from '../../http/auth.js';
import { createRouter } from '../../http/openapi-router.js';
import { errorResponses, json, PageQuery, pageOf } from '../shared/views.js';

const SearchHitSchema = z
  .object({
    interactionId: z.string(),
    conversationId: z.string(),
    customerId: z.string(),
    channel: z.string(),
    direction: z.enum(['inbound', 'outbound', 'internal']),
    type: z.string(),
    snippet: z.string().openapi({ description: 'An excerpt of subject and text, matched words between « and »' }),
    occurredAt: z.string(),
  })
  .openapi('SearchHit');

const searchRoute = createRoute({
  method: 'get',
  path: '/',
  operationId: 'search',
  tags: ['search'],
  summary: 'Full-text search over the subject and text of interactions, newest first',
  description:
    'Every word must occur (`"a phrase"` and `-word` as in web search engines; no stemming, any language). `customerId` includes the customers merged into it. Erased content is never found.',
  middleware: [requireScope('read')],
  request: {
    query: PageQuery.extend({
      q: z.string().trim().min(1).max(500).openapi({ example: 'parcel refund' }),
      channel: z.string().min(1).max(64).optional(),
      customerId: z.string().uuid().optional(),
    }),
  },
  responses: { 200: json(pageOf(SearchHitSchema), 'One page of matching interactions'), ...errorResponses },
});

export const searchRoutes = (deps: { deskReads: DeskQueries }) =>
  createRouter().openapi(searchRoute, async (c) => {
    const { q, channel, customerId, cursor, limit } = c.req.valid('query');
    const page = await deps.deskReads.search({ text: q, channel, customerId }, { cursor, limit });
    return c.json({ items: page.items.map((h) => ({ ...h, occurredAt: h.occurredAt.toISOString() })), nextCursor: page.nextCursor }, 200);
  });
