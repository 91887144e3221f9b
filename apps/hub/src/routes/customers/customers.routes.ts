import { createRoute, z } from '@hono/zod-openapi';
import { invalid, type CustomerQueries, type DeskQueries } from '@switchboard/core';
import { requireScope } from '../../http/auth.js';
import { createRouter } from '../../http/openapi-router.js';
import { CustomerSchema, IdParam, InteractionSchema, PageQuery, customerJson, errorResponses, interactionJson, json, pageOf } from '../shared/views.js';

const findRoute = createRoute({
  method: 'get',
  path: '/',
  operationId: 'findCustomers',
  tags: ['customers'],
  summary: 'Find customers by identity (normalised before lookup)',
  middleware: [requireScope('read')],
  request: { query: PageQuery.extend({ identity: z.string().min(3).openapi({ example: 'email:ann@example.com' }) }) },
  responses: {
    200: json(z.object({ items: z.array(CustomerSchema), nextCursor: z.null().openapi({ description: 'An identity belongs to one customer: one page at most' }) }), 'Matching customers'),
    ...errorResponses,
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/{id}',
  operationId: 'getCustomer',
  tags: ['customers'],
  summary: 'A customer with identities and attributes',
  middleware: [requireScope('read')],
  request: { params: IdParam },
  responses: { 200: json(CustomerSchema, 'The customer'), ...errorResponses },
});

const timelineRoute = createRoute({
  method: 'get',
  path: '/{id}/timeline',
  operationId: 'getCustomerTimeline',
  tags: ['customers'],
  summary: "Every interaction of the customer across channels, newest first",
  middleware: [requireScope('read')],
  request: { params: IdParam, query: PageQuery },
  responses: { 200: json(pageOf(InteractionSchema), 'One page of the timeline'), ...errorResponses },
});

export const customerRoutes = (deps: { customers: CustomerQueries; deskReads: DeskQueries }) =>
  createRouter()
    .openapi(findRoute, async (c) => {
      const { identity, cursor } = c.req.valid('query');
      // This list never hands out a cursor, so any cursor given is not one of its own.
      if (cursor !== undefined) throw invalid('PAGE.INVALID_CURSOR', 'the cursor is damaged or belongs to another list; ask again without it', 'cursor');
      const customers = await deps.customers.customersByIdentity(identity);
      return c.json({ items: customers.map(customerJson), nextCursor: null }, 200);
    })
    .openapi(getRoute, async (c) => c.json(customerJson(await deps.customers.customer(c.req.valid('param').id)), 200))
    .openapi(timelineRoute, async (c) => {
      const { cursor, limit } = c.req.valid('query');
      const page = await deps.deskReads.timeline(c.req.valid('param').id, { cursor, limit });
      return c.json({ items: page.items.map(interactionJson), nextCursor: page.nextCursor }, 200);
    });
