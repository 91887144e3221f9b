import { createRoute, z } from '@hono/zod-openapi';
import type { CrmCustomerView, CrmQueries, Customer360, CustomerExport, CustomerQueries, DeskQueries, EraseCustomer } from '@switchboard/core';
import { CrmCustomerSchema, crmCustomerJson } from '../crm/crm.routes.js';
import { requireScope } from '../../http/auth.js';
import { createRouter } from '../../http/openapi-router.js';
import {
  ConversationSchema,
  CustomerSchema,
  IdParam,
  InteractionSchema,
  PageQuery,
  conversationJson,
  customerJson,
  errorResponses,
  interactionJson,
  json,
  pageOf,
} from '../shared/views.js';

const Customer360Schema = CustomerSchema.extend({
  mergedCustomerIds: z.array(z.string()).openapi({ description: 'Customers merged into this one (transitively): their history is part of this one' }),
  openConversations: z.array(ConversationSchema),
  lastInteractionByChannel: z.array(
    z.object({
      channel: z.string(),
      interactionId: z.string(),
      conversationId: z.string(),
      direction: z.enum(['inbound', 'outbound', 'internal']),
      type: z.string(),
      occurredAt: z.string(),
    }),
  ),
  counts: z.object({ conversations: z.number().int(), openConversations: z.number().int(), interactions: z.number().int(), channels: z.number().int() }),
  crm: z.record(z.string(), CrmCustomerSchema).openapi({ description: 'Per CRM plugin instance: the linked contact’s facts (cached) and the sync state of the customer’s entries; empty without CRM plugins' }),
}).openapi('Customer360');

const customer360Json = (c: Customer360, crm: Record<string, CrmCustomerView>): z.infer<typeof Customer360Schema> => ({
  crm: crmCustomerJson(crm),
  ...customerJson(c),
  mergedCustomerIds: c.mergedCustomerIds,
  openConversations: c.openConversations.map(conversationJson),
  lastInteractionByChannel: c.lastInteractionByChannel.map((l) => ({ ...l, occurredAt: l.occurredAt.toISOString() })),
  counts: c.counts,
});

const CustomerExportSchema = z
  .object({
    format: z.literal('switchboard.customer-export.v1'),
    exportedAt: z.string(),
    customer: CustomerSchema,
    mergedCustomers: z.array(CustomerSchema),
    conversations: z.array(ConversationSchema),
    interactions: z.array(InteractionSchema).openapi({ description: 'Every ledger entry of the customer and those merged into it, oldest first' }),
  })
  .openapi('CustomerExport');

const exportJson = (e: CustomerExport): z.infer<typeof CustomerExportSchema> => ({
  format: 'switchboard.customer-export.v1',
  exportedAt: e.exportedAt.toISOString(),
  customer: customerJson(e.customer),
  mergedCustomers: e.mergedCustomers.map(customerJson),
  conversations: e.conversations.map(conversationJson),
  interactions: e.interactions.map(interactionJson),
});

const ErasureSchema = z
  .object({
    customerId: z.string(),
    erasedAt: z.string(),
    customers: z.array(z.string()).openapi({ description: 'The customer and those merged into it, all erased' }),
    identities: z.number().int(),
    interactions: z.number().int().openapi({ description: 'Entries whose personal content was replaced by the tombstone' }),
    conversations: z.number().int().openapi({ description: 'Conversations that recorded the erasure as an entry' }),
    deliveriesCancelled: z.number().int(),
    mergeSuggestionsRemoved: z.number().int(),
    mergeRecordsScrubbed: z.number().int(),
    crm: z
      .array(
        z.object({
          instanceId: z.string(),
          system: z.string(),
          contactId: z.string(),
          identity: z.string().openapi({ example: 'crm:hubspot:1001' }),
          erased: z.boolean().openapi({ description: 'true: deleted in the CRM (GDPR delete, `eraseInCrm: true`); false: the record named still holds the data' }),
          detail: z.string(),
        }),
      )
      .openapi({ description: 'The CRM records that held the customer, and whether they were erased there' }),
  })
  .openapi('Erasure');

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
  summary: 'Customer 360: identities, attributes, open conversations, the last interaction per channel, counts',
  description: 'Across merges: conversations and interactions of customers merged into this one count as its own. A merged customer answers 200 with `mergedInto` set.',
  middleware: [requireScope('read')],
  request: { params: IdParam },
  responses: { 200: json(Customer360Schema, 'The customer'), ...errorResponses },
});

const exportRoute = createRoute({
  method: 'get',
  path: '/{id}/export',
  operationId: 'exportCustomer',
  tags: ['customers'],
  summary: 'Data-subject export: everything the hub holds about the customer, as JSON',
  description:
    'The customer, the customers merged into it, their identities and attributes, their conversations and every ledger entry (oldest first, with delivery states). Admin only.',
  middleware: [requireScope('admin')],
  request: { params: IdParam },
  responses: { 200: json(CustomerExportSchema, 'The export'), ...errorResponses },
});

const eraseRoute = createRoute({
  method: 'post',
  path: '/{id}/erase',
  operationId: 'eraseCustomer',
  tags: ['customers'],
  summary: 'Data-subject erasure: tombstones personal content, keeps the ledger verifiable',
  description:
    'Irreversible. Removes the identities of the customer (and of those merged into it), empties name and attributes, replaces the personal content of their interactions with a tombstone (which also removes it from search), dead-letters outbound messages still waiting, and records an `erasure` entry in each conversation. Digests are kept, so every chain still verifies. Admin only.',
  middleware: [requireScope('admin')],
  request: { params: IdParam },
  responses: { 200: json(ErasureSchema, 'What was erased'), ...errorResponses },
});

const timelineRoute = createRoute({
  method: 'get',
  path: '/{id}/timeline',
  operationId: 'getCustomerTimeline',
  tags: ['customers'],
  summary: "Every interaction of the customer across channels, newest first",
  middleware: [requireScope('read')],
  description:
    'Includes the customers merged into this one. Keyset-paginated: entries recorded after a page was served never shift the pages that follow. Filter by `channel`, `direction` and `type`.',
  request: {
    params: IdParam,
    query: PageQuery.extend({
      channel: z.string().min(1).max(64).optional(),
      direction: z.enum(['inbound', 'outbound', 'internal']).optional(),
      type: z.enum(['message', 'note', 'status', 'assignment', 'merge', 'erasure']).optional(),
    }),
  },
  responses: { 200: json(pageOf(InteractionSchema), 'One page of the timeline'), ...errorResponses },
});

export const customerRoutes = (deps: { customers: CustomerQueries; deskReads: DeskQueries; erasure: EraseCustomer; clock: { now(): Date }; crm?: { queries: CrmQueries } | undefined }) =>
  createRouter()
    .openapi(findRoute, async (c) => {
      const { identity, cursor, limit } = c.req.valid('query');
      const page = await deps.customers.customersByIdentityPage(identity, { cursor, limit });
      return c.json({ items: page.items.map(customerJson), nextCursor: page.nextCursor }, 200);
    })
    .openapi(getRoute, async (c) => {
      const id = c.req.valid('param').id;
      const customer = await deps.deskReads.customer360(id);
      return c.json(customer360Json(customer, deps.crm ? await deps.crm.queries.forCustomer(id) : {}), 200);
    })
    .openapi(timelineRoute, async (c) => {
      const { cursor, limit, channel, direction, type } = c.req.valid('query');
      const page = await deps.deskReads.timeline(c.req.valid('param').id, { cursor, limit }, { channel, direction, type });
      return c.json({ items: page.items.map(interactionJson), nextCursor: page.nextCursor }, 200);
    })
    .openapi(exportRoute, async (c) => {
      const id = c.req.valid('param').id;
      const body = exportJson(await deps.deskReads.exportCustomer(id, deps.clock.now()));
      c.header('Content-Disposition', `attachment; filename="customer-${id}.json"`);
      return c.json(body, 200);
    })
    .openapi(eraseRoute, async (c) => {
      const report = await deps.erasure.erase(c.req.valid('param').id);
      return c.json({ ...report, erasedAt: report.erasedAt.toISOString() }, 200);
    });
