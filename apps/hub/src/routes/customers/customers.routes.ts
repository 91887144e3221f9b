import { createRoute, z } from '@hono/zod-openapi';
import type { CustomerQueries, DeskQueries } from '@switchboard/core';
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
  // An identity names at most one customer: one page, whose nextCursor is always null.
  responses: { 200: json(pageOf(CustomerSchema), 'Matching customers'), ...errorResponses },
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
      const { identity, cursor, limit } = c.req.valid('query');
      const page = await deps.customers.customersByIdentityPage(identity, { cursor, limit });
      return c.json({ items: page.items.map(customerJson), nextCursor: page.nextCursor }, 200);
    })
    .openapi(getRoute, async (c) => c.json(customerJson(await deps.customers.customer(c.req.valid('param').id)), 200))
    .openapi(timelineRoute, async (c) => {
      const { cursor, limit } = c.req.valid('query');
      const page = await deps.deskReads.timeline(c.req.valid('param').id, { cursor, limit });
      return c.json({ items: page.items.map(interactionJson), nextCursor: page.nextCursor }, 200);
    });
