import { createRoute, z } from '@hono/zod-openapi';
import { MAX_CUSTOMER_ATTRIBUTES, MERGE_SUGGESTION_STATUSES, parseIdentity, type ManageCustomers, type MergeOutcome, type MergeSuggestion } from '@switchboard/core';
import { actorOf, requireScope } from '../../http/auth.js';
import { createRouter } from '../../http/openapi-router.js';
import { optionalJson } from '../../http/optional-json.js';
import { CustomerSchema, IdParam, PageQuery, customerJson, errorResponses, json, pageOf } from '../shared/views.js';

// Links, merges and merge suggestions: the writes on customers. Mounted before the customer reads,
// so `/merge-suggestions` is not taken for a customer id.

const tags = ['customers'];
const agent = [requireScope('agent')];
const IdentityKeySchema = z.object({ kind: z.string(), value: z.string() });

const AttributePolicySchema = z
  .object({
    prefer: z.enum(['survivor', 'merged']).optional().openapi({ description: "Whose value an attribute both hold keeps; default `survivor` (keys only the other has are always copied)" }),
    keys: z.record(z.string(), z.enum(['survivor', 'merged'])).optional().openapi({ description: 'Per attribute, overrides `prefer`' }),
  })
  .openapi('AttributePolicy');

const MergeSchema = z
  .object({
    dryRun: z.boolean(),
    mergeId: z.string().nullable(),
    survivor: CustomerSchema,
    merged: CustomerSchema,
    moved: z.object({
      identities: z.array(IdentityKeySchema),
      conversations: z.array(z.string()),
      attributes: z.array(z.object({ key: z.string(), hadBefore: z.boolean(), before: z.unknown(), after: z.unknown() })),
    }),
  })
  .openapi('CustomerMerge');

const mergeJson = (m: MergeOutcome): z.infer<typeof MergeSchema> => ({
  dryRun: m.dryRun,
  mergeId: m.mergeId,
  survivor: customerJson(m.survivor),
  merged: customerJson(m.merged),
  moved: { identities: m.moved.identities.map(({ kind, value }) => ({ kind, value })), conversations: m.moved.conversations, attributes: m.moved.attributes },
});

const SuggestionSchema = z
  .object({
    id: z.string(),
    customerId: z.string().openapi({ description: 'The customer whose message named the identity; the survivor when accepted' }),
    otherCustomerId: z.string().openapi({ description: 'The customer who holds the identity' }),
    identity: IdentityKeySchema,
    interactionId: z.string().nullable(),
    status: z.enum(MERGE_SUGGESTION_STATUSES),
    createdAt: z.string(),
    decidedAt: z.string().nullable(),
  })
  .openapi('MergeSuggestion');

const suggestionJson = (s: MergeSuggestion): z.infer<typeof SuggestionSchema> => ({
  id: s.id,
  customerId: s.customerId,
  otherCustomerId: s.otherCustomerId,
  identity: { kind: s.identity.kind, value: s.identity.value },
  interactionId: s.interactionId,
  status: s.status,
  createdAt: s.createdAt.toISOString(),
  decidedAt: s.decidedAt ? s.decidedAt.toISOString() : null,
});

const linkRoute = createRoute({
  method: 'post',
  path: '/{id}/identities',
  operationId: 'linkCustomerIdentity',
  tags,
  summary: 'Link an identity to the customer (normalised; verified). One another customer holds → 409: merge instead',
  middleware: agent,
  request: {
    params: IdParam,
    body: { required: true, content: { 'application/json': { schema: z.object({ kind: z.string().min(1), value: z.string().min(1).max(320) }).openapi('IdentityLink') } } },
  },
  responses: { 200: json(CustomerSchema, 'The customer with the identity'), ...errorResponses },
});

const AttributeKey = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/, 'an attribute key is 1–64 letters, digits, `_`, `.` or `-`');
const CustomerPatchSchema = z
  .object({
    displayName: z.string().trim().min(1).max(200).nullable().optional().openapi({ description: 'null clears it' }),
    attributes: z
      .record(AttributeKey, z.union([z.string().max(1000), z.number().finite(), z.boolean()]).nullable())
      .optional()
      .openapi({ description: 'Merged into the attributes the customer holds (JSON merge patch): a key set to null is removed, keys not named stay', example: { tier: 'gold', region: 'EU', legacyPlan: null } }),
  })
  .strict()
  .refine((patch) => patch.displayName !== undefined || patch.attributes !== undefined, { message: 'name displayName or attributes' })
  .openapi('CustomerPatch');

const updateRoute = createRoute({
  method: 'patch',
  path: '/{id}',
  operationId: 'updateCustomer',
  tags,
  summary: 'Set the display name and attributes of a customer (what routing rules match: tier=gold)',
  description: `Attributes merge into those held (a null value removes the key); at most ${MAX_CUSTOMER_ATTRIBUTES} per customer. A merged customer answers 409: change its survivor.`,
  middleware: agent,
  request: { params: IdParam, body: { required: true, content: { 'application/json': { schema: CustomerPatchSchema } } } },
  responses: { 200: json(CustomerSchema, 'The customer as changed'), ...errorResponses },
});

const IdentityParams = IdParam.extend({
  identity: z.string().min(3).max(400).openapi({ param: { name: 'identity', in: 'path' }, example: 'phone:+441632960961', description: 'kind:value' }),
});
const unlinkRoute = createRoute({
  method: 'delete',
  path: '/{id}/identities/{identity}',
  operationId: 'unlinkCustomerIdentity',
  tags,
  summary: 'Unlink an identity (written kind:value) from the customer',
  middleware: agent,
  request: { params: IdentityParams },
  responses: { 200: json(CustomerSchema, 'The customer without the identity'), ...errorResponses },
});

const mergeRoute = createRoute({
  method: 'post',
  path: '/{id}/merge',
  operationId: 'mergeCustomers',
  tags,
  summary: 'Merge another customer into this one; ?dryRun=true previews',
  description:
    "Moves the other customer's identities and conversations to this one and copies its attributes (conflicts: this customer's value wins unless `attributes` says otherwise). " +
    'The other customer keeps `mergedInto`. Ledger entries are never rewritten: each moved conversation gets a `merge` entry. Undo with `/unmerge`.',
  middleware: agent,
  request: {
    params: IdParam,
    query: z.object({ dryRun: z.enum(['true', 'false']).optional() }),
    body: { required: true, content: { 'application/json': { schema: z.object({ from: z.string().uuid(), attributes: AttributePolicySchema.optional() }).openapi('MergeRequest') } } },
  },
  responses: { 200: json(MergeSchema, 'What moved (or would move)'), ...errorResponses },
});

const UnmergeSchema = z
  .object({
    mergeId: z.string(),
    survivor: CustomerSchema,
    restored: CustomerSchema,
    moved: z.object({ identities: z.array(IdentityKeySchema), conversations: z.array(z.string()) }),
  })
  .openapi('CustomerUnmerge');
const unmergeRoute = createRoute({
  method: 'post',
  path: '/{id}/unmerge',
  operationId: 'unmergeCustomer',
  tags,
  summary: 'Undo the merge of customerId into this customer',
  description: 'Restores exactly what that merge moved; identities and conversations added to either side since stay where they are.',
  middleware: agent,
  request: { params: IdParam, body: { required: true, content: { 'application/json': { schema: z.object({ customerId: z.string().uuid() }).openapi('UnmergeRequest') } } } },
  responses: { 200: json(UnmergeSchema, 'What moved back'), ...errorResponses },
});

const listSuggestionsRoute = createRoute({
  method: 'get',
  path: '/merge-suggestions',
  operationId: 'listMergeSuggestions',
  tags,
  summary: 'Merge suggestions: messages that named identities of two customers (never merged silently)',
  middleware: [requireScope('read', 'agent')],
  request: { query: PageQuery.extend({ status: z.enum(MERGE_SUGGESTION_STATUSES).optional(), customerId: z.string().uuid().optional() }) },
  responses: { 200: json(pageOf(SuggestionSchema), 'Newest first'), ...errorResponses },
});

const SuggestionParam = IdParam;
const acceptRoute = createRoute({
  method: 'post',
  path: '/merge-suggestions/{id}/accept',
  operationId: 'acceptMergeSuggestion',
  tags,
  summary: 'Accept: merges the other customer into the customer whose message named it',
  description: 'Body (optional): `{ attributes }`, as for a merge.',
  middleware: agent,
  request: { params: SuggestionParam },
  responses: { 200: json(z.object({ suggestion: SuggestionSchema, merge: MergeSchema }), 'The suggestion and the merge'), ...errorResponses },
});

const dismissRoute = createRoute({
  method: 'post',
  path: '/merge-suggestions/{id}/dismiss',
  operationId: 'dismissMergeSuggestion',
  tags,
  summary: 'Dismiss: the two customers stay apart',
  middleware: agent,
  request: { params: SuggestionParam },
  responses: { 200: json(SuggestionSchema, 'The dismissed suggestion'), ...errorResponses },
});

const splitIdentity = (written: string) => {
  const key = parseIdentity(written, 'identity');
  return { kind: key.kind, value: key.value };
};

export const customerIdentityRoutes = (deps: { manageCustomers: ManageCustomers }) =>
  createRouter()
    .openapi(listSuggestionsRoute, async (c) => {
      const { cursor, limit, status, customerId } = c.req.valid('query');
      const page = await deps.manageCustomers.listSuggestions({ status, customerId }, { cursor, limit });
      return c.json({ items: page.items.map(suggestionJson), nextCursor: page.nextCursor }, 200);
    })
    .openapi(acceptRoute, async (c) => {
      const { attributes } = await optionalJson(c, z.object({ attributes: AttributePolicySchema.optional() }));
      const { suggestion, merge } = await deps.manageCustomers.acceptSuggestion(actorOf(c.var.principal), c.req.valid('param').id, attributes);
      return c.json({ suggestion: suggestionJson(suggestion), merge: mergeJson(merge) }, 200);
    })
    .openapi(dismissRoute, async (c) => c.json(suggestionJson(await deps.manageCustomers.dismissSuggestion(actorOf(c.var.principal), c.req.valid('param').id)), 200))
    .openapi(updateRoute, async (c) => c.json(customerJson(await deps.manageCustomers.update(actorOf(c.var.principal), c.req.valid('param').id, c.req.valid('json'))), 200))
    .openapi(linkRoute, async (c) => c.json(customerJson(await deps.manageCustomers.link(actorOf(c.var.principal), c.req.valid('param').id, c.req.valid('json'))), 200))
    .openapi(unlinkRoute, async (c) => {
      const { id, identity } = c.req.valid('param');
      // Split only: the use case normalises with the hub's settings (a phone number's default region).
      const colon = identity.indexOf(':');
      const written = colon > 0 ? { kind: identity.slice(0, colon), value: identity.slice(colon + 1) } : splitIdentity(identity);
      return c.json(customerJson(await deps.manageCustomers.unlink(actorOf(c.var.principal), id, written)), 200);
    })
    .openapi(mergeRoute, async (c) => {
      const { from, attributes } = c.req.valid('json');
      const outcome = await deps.manageCustomers.merge(actorOf(c.var.principal), c.req.valid('param').id, from, { dryRun: c.req.valid('query').dryRun === 'true', attributes });
      return c.json(mergeJson(outcome), 200);
    })
    .openapi(unmergeRoute, async (c) => {
      const outcome = await deps.manageCustomers.unmerge(actorOf(c.var.principal), c.req.valid('param').id, c.req.valid('json').customerId);
      return c.json({ mergeId: outcome.mergeId, survivor: customerJson(outcome.survivor), restored: customerJson(outcome.restored), moved: outcome.moved }, 200);
    });
