import { createRoute, z } from '@hono/zod-openapi';
import { CRM_LOG_STATUSES, type CrmCustomerView, type CrmLogEntry, type CrmQueries } from '@switchboard/core';
import { requireScope } from '../../http/auth.js';
import { optionalJson } from '../../http/optional-json.js';
import { createRouter } from '../../http/openapi-router.js';
import { errorResponses, json } from '../shared/views.js';

const StatusCounts = z.object(Object.fromEntries(CRM_LOG_STATUSES.map((s) => [s, z.number().int()])) as Record<(typeof CRM_LOG_STATUSES)[number], z.ZodNumber>);

export const CrmCustomerSchema = z
  .object({
    system: z.string().openapi({ example: 'hubspot' }),
    contact: z
      .object({
        contactId: z.string(),
        name: z.string().nullable(),
        company: z.string().nullable(),
        owner: z.string().nullable(),
        lifecycleStage: z.string().nullable(),
        url: z.string().nullable().openapi({ description: 'The record in the CRM' }),
        fetchedAt: z.string().nullable(),
        stale: z.boolean().openapi({ description: 'The CRM could not be read just now: these are the facts cached before' }),
        error: z.string().optional(),
      })
      .nullable()
      .openapi({ description: 'The linked contact (identity `crm:<system>:<id>`); null when the customer is not linked' }),
    sync: StatusCounts.openapi({ description: 'The customer’s entries by CRM sync status (pending, sending, logged, unmatched, dead, skipped)' }),
  })
  .openapi('CrmCustomer');

export const crmCustomerJson = (views: Record<string, CrmCustomerView>): Record<string, z.infer<typeof CrmCustomerSchema>> =>
  Object.fromEntries(
    Object.entries(views).map(([id, v]) => [id, { ...v, contact: v.contact ? { ...v.contact, fetchedAt: v.contact.fetchedAt?.toISOString() ?? null } : null }]),
  );

const CrmLogEntrySchema = z
  .object({
    interactionId: z.string(),
    customerId: z.string(),
    conversationId: z.string(),
    kind: z.enum(['entry', 'summary']),
    status: z.enum(CRM_LOG_STATUSES as [string, ...string[]]),
    attempts: z.number().int(),
    contactId: z.string().nullable(),
    activityId: z.string().nullable().openapi({ description: 'The engagement in the CRM, once logged' }),
    lastError: z.string().nullable().openapi({ description: 'Why the last attempt failed (for `dead`: why it was given up)' }),
    updatedAt: z.string(),
  })
  .openapi('CrmLogEntry');

const entryJson = (e: CrmLogEntry): z.infer<typeof CrmLogEntrySchema> => ({
  interactionId: e.interactionId,
  customerId: e.customerId,
  conversationId: e.conversationId,
  kind: e.kind,
  status: e.status,
  attempts: e.attempts,
  contactId: e.contactId,
  activityId: e.activityId,
  lastError: e.lastError,
  updatedAt: e.updatedAt.toISOString(),
});

const InstanceParam = z.object({ instanceId: z.string().regex(/^[a-z0-9-]+$/).openapi({ param: { name: 'instanceId', in: 'path' }, example: 'hubspot' }) });

const logRoute = createRoute({
  method: 'get',
  path: '/{instanceId}/log',
  operationId: 'listCrmLog',
  tags: ['plugins'],
  summary: 'Where ledger entries stand on a CRM instance’s timeline: dead letters with their reason, what is pending or unmatched',
  middleware: [requireScope('read')],
  request: {
    params: InstanceParam,
    query: z.object({
      status: z.enum(CRM_LOG_STATUSES as [string, ...string[]]).default('dead'),
      limit: z.coerce.number().int().min(1).max(500).default(50),
    }),
  },
  responses: { 200: json(z.object({ items: z.array(CrmLogEntrySchema) }), 'Entries, newest change first'), ...errorResponses },
});

const retryRoute = createRoute({
  method: 'post',
  path: '/{instanceId}/log/retry',
  operationId: 'retryCrmLog',
  tags: ['plugins'],
  summary: 'Send dead entries to the CRM again (these, or every dead entry of the instance)',
  description:
    'For entries that died of a cause since fixed (a property the CRM refused, a contact since restored). They are picked up by the next sweep; each attempt first looks in the CRM for an activity an earlier attempt made, so nothing is logged twice. Admin only.',
  middleware: [requireScope('admin')],
  request: {
    params: InstanceParam,
    body: {
      required: false,
      content: {
        'application/json': {
          schema: z
            .object({ interactionIds: z.array(z.string().uuid()).min(1).max(500).optional().openapi({ description: 'Omit to retry every dead entry of the instance' }) })
            .strict()
            .openapi('CrmRetryRequest'),
        },
      },
    },
  },
  responses: { 200: json(z.object({ retried: z.number().int().openapi({ description: 'Dead entries now open again' }) }).openapi('CrmRetry'), 'How many went back to the sync'), ...errorResponses },
});

export const crmRoutes = (deps: { crm: { queries: CrmQueries }; clock: { now(): Date } }) =>
  createRouter()
    .openapi(logRoute, async (c) => {
      const { status, limit } = c.req.valid('query');
      const items = await deps.crm.queries.log(c.req.valid('param').instanceId, status as CrmLogEntry['status'], limit);
      return c.json({ items: items.map(entryJson) }, 200);
    })
    .openapi(retryRoute, async (c) => {
      const { interactionIds } = await optionalJson(c, z.object({ interactionIds: z.array(z.string().uuid()).min(1).max(500).optional() }).strict());
      const retried = await deps.crm.queries.retryDead(c.req.valid('param').instanceId, interactionIds ?? null, deps.clock.now());
      return c.json({ retried }, 200);
    });
