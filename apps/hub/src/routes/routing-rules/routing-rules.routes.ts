import { createRoute, z } from '@hono/zod-openapi';
import { IDENTITY_KINDS, RULE_LIMITS, type ManageRoutingRules, type RoutingRule } from '@switchboard/core';
import { requireScope } from '../../http/auth.js';
import { createRouter } from '../../http/openapi-router.js';
import { IdParam, PageQuery, errorResponses, json, pageOf, withoutUndefined } from '../shared/views.js';

const tags = ['routing-rules'];

const AttributeValue = z.union([z.string().max(500), z.number(), z.boolean()]);
const MatchSchema = z
  .object({
    channels: z.array(z.string().min(1).max(64)).max(50).optional().openapi({ description: 'any of these channels' }),
    keywords: z
      .array(z.string().min(1).max(RULE_LIMITS.keyword))
      .max(RULE_LIMITS.keywords)
      .optional()
      .openapi({ description: 'any of these words or phrases, case-insensitive, as whole words' }),
    regex: z
      .object({ pattern: z.string().min(1).max(RULE_LIMITS.pattern), caseInsensitive: z.boolean().optional() })
      .strict()
      .optional()
      .openapi({ description: `RE2 syntax (no backreferences or lookaround); matched in linear time over the first ${RULE_LIMITS.matchInput} characters` }),
    field: z.enum(['subject', 'text', 'any']).optional().openapi({ description: 'where keywords and regex look (default any: subject or text)' }),
    identityKinds: z.array(z.enum(IDENTITY_KINDS)).max(IDENTITY_KINDS.length).optional().openapi({ description: "any of these kinds of the sender's identity" }),
    attributes: z
      .record(z.string().min(1).max(100), z.union([AttributeValue, z.object({ in: z.array(AttributeValue).min(1).max(100) }).strict()]))
      .optional()
      .openapi({ description: 'customer attributes: each equal to a value, or {in: [values]}', example: { tier: 'gold', region: { in: ['EU', 'UK'] } } }),
  })
  .strict()
  .openapi('RoutingRuleMatch', { description: 'Every condition given must hold; within a list any entry is enough. No condition: matches every conversation.' });

const RuleSkill = z.union([z.number().int().min(1).max(5), z.object({ level: z.number().int().min(1).max(5), optional: z.boolean().optional() }).strict()]);
const ActionsInput = z
  .object({
    queue: z.string().min(1).max(200).optional().openapi({ description: 'the target queue, by id or name' }),
    queueId: z.string().uuid().optional().openapi({ description: 'the target queue by id (as answered)' }),
    priority: z.number().int().min(0).max(100).optional().openapi({ description: 'the conversation priority; higher is served first (default 0)' }),
    skills: z
      .record(z.string().min(1).max(64), RuleSkill)
      .optional()
      .openapi({ description: "skills added to the queue's: a level, or {level, optional: true} that relaxation may drop", example: { vip: 2, spanish: { level: 3, optional: true } } }),
  })
  .strict()
  .openapi('RoutingRuleActionsInput');

export const RoutingRuleInputSchema = z
  .object({
    name: z.string().min(1).max(200),
    position: z.number().int().min(1).optional().openapi({ description: '1 is tried first; moving a rule shifts the others; default: last' }),
    enabled: z.boolean().optional().openapi({ description: 'default true; a disabled rule never matches' }),
    match: MatchSchema.optional(),
    actions: ActionsInput.optional(),
  })
  .strict()
  .openapi('RoutingRuleInput');

const RoutingRuleSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    position: z.number().int(),
    enabled: z.boolean(),
    // As stored: the identity kinds were checked when the rule was saved.
    match: MatchSchema.extend({ identityKinds: z.array(z.string()).optional() }),
    actions: z.object({ queueId: z.string().optional(), priority: z.number().int().optional(), skills: z.record(z.string(), RuleSkill).optional() }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('RoutingRule');

const ruleJson = (r: RoutingRule): z.infer<typeof RoutingRuleSchema> => ({
  id: r.id,
  name: r.name,
  position: r.position,
  enabled: r.enabled,
  match: r.match,
  actions: withoutUndefined({ queueId: r.actions.queueId, priority: r.actions.priority, skills: r.actions.skills }),
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

const listRoute = createRoute({
  method: 'get', path: '/', operationId: 'listRoutingRules', tags, summary: 'Routing rules in the order they are tried', middleware: [requireScope('read')], request: { query: PageQuery },
  responses: { 200: json(pageOf(RoutingRuleSchema), 'One page of rules, by position'), ...errorResponses },
});
const createRuleRoute = createRoute({
  method: 'post', path: '/', operationId: 'createRoutingRule', tags, summary: 'Add a routing rule', middleware: [requireScope('admin')],
  request: { body: { required: true, content: { 'application/json': { schema: RoutingRuleInputSchema } } } },
  responses: { 201: json(RoutingRuleSchema, 'The rule'), ...errorResponses },
});
const getRoute = createRoute({
  method: 'get', path: '/{id}', operationId: 'getRoutingRule', tags, summary: 'A routing rule', middleware: [requireScope('read')], request: { params: IdParam },
  responses: { 200: json(RoutingRuleSchema, 'The rule'), ...errorResponses },
});
const patchRoute = createRoute({
  method: 'patch', path: '/{id}', operationId: 'updateRoutingRule', tags, summary: 'Change a routing rule; `position` moves it', middleware: [requireScope('admin')],
  request: { params: IdParam, body: { required: true, content: { 'application/json': { schema: RoutingRuleInputSchema.partial() } } } },
  responses: { 200: json(RoutingRuleSchema, 'The rule'), ...errorResponses },
});
const deleteRoute = createRoute({
  method: 'delete', path: '/{id}', operationId: 'deleteRoutingRule', tags, summary: 'Delete a routing rule', middleware: [requireScope('admin')], request: { params: IdParam },
  responses: { 204: { description: 'Deleted' }, ...errorResponses },
});

type Body = Partial<z.infer<typeof RoutingRuleInputSchema>>;
// zod's optional fields carry `undefined`; the use case reads a missing field as "unchanged".
const input = <T extends Body>(body: T) => {
  const { actions, match, ...rest } = withoutUndefined(body);
  return {
    ...rest,
    ...(match === undefined ? {} : { match: withoutUndefined(match) }),
    ...(actions === undefined ? {} : { actions: withoutUndefined(actions) }),
  };
};

export const routingRuleRoutes = (deps: { routingRules: ManageRoutingRules }) =>
  createRouter()
    .openapi(listRoute, async (c) => {
      const page = await deps.routingRules.list(c.req.valid('query'));
      return c.json({ items: page.items.map(ruleJson), nextCursor: page.nextCursor }, 200);
    })
    .openapi(createRuleRoute, async (c) => {
      const body = input(c.req.valid('json'));
      return c.json(ruleJson(await deps.routingRules.create({ ...body, name: c.req.valid('json').name })), 201);
    })
    .openapi(getRoute, async (c) => c.json(ruleJson(await deps.routingRules.get(c.req.valid('param').id)), 200))
    .openapi(patchRoute, async (c) => c.json(ruleJson(await deps.routingRules.update(c.req.valid('param').id, input(c.req.valid('json')))), 200))
    .openapi(deleteRoute, async (c) => {
      await deps.routingRules.delete(c.req.valid('param').id);
      return c.body(null, 204);
    });
