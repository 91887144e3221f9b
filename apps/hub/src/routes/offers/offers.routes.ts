import { createRoute, z } from '@hono/zod-openapi';
import type { DeskCommands } from '@switchboard/core';
import { actorOf, requireScope } from '../../http/auth.js';
import { createRouter } from '../../http/openapi-router.js';
import { optionalJson } from '../../http/optional-json.js';
import { IdParam, OfferSchema, errorResponses, json, offerJson } from '../shared/views.js';

const tags = ['offers'];
const DeclineSchema = z.object({ reason: z.string().max(500).optional() });
const acceptRoute = createRoute({
  method: 'post', path: '/{id}/accept', operationId: 'acceptOffer', tags, summary: 'Accept an offer: the conversation is assigned to the agent', middleware: [requireScope('agent')],
  request: { params: IdParam },
  responses: { 200: json(OfferSchema, 'The accepted offer'), ...errorResponses },
});
const declineRoute = createRoute({
  method: 'post', path: '/{id}/decline', operationId: 'declineOffer', tags, summary: 'Decline an offer: the item goes to another eligible agent', middleware: [requireScope('agent')],
  description: 'Body (optional): `{ reason }`.',
  request: { params: IdParam },
  responses: { 200: json(OfferSchema, 'The declined offer'), ...errorResponses },
});

export const offerRoutes = (deps: { desk: DeskCommands }) =>
  createRouter()
    .openapi(acceptRoute, async (c) => c.json(offerJson(await deps.desk.accept(actorOf(c.var.principal), c.req.valid('param').id)), 200))
    .openapi(declineRoute, async (c) => {
      const { reason } = await optionalJson(c, DeclineSchema);
      return c.json(offerJson(await deps.desk.decline(actorOf(c.var.principal), c.req.valid('param').id, reason)), 200);
    });
