import { createRoute, z } from '@hono/zod-openapi';
import { PRESENCES, deskErrors, type DeskCommands, type DeskRegistry, type ManageRouting, type RoutingQueries } from '@switchboard/core';
import { actorOf, requireScope } from '../../http/auth.js';
import { createRouter } from '../../http/openapi-router.js';
import { AgentSchema, IdParam, OfferSchema, PageQuery, SkillsSchema, agentJson, errorResponses, json, offerJson, pageOf, withoutUndefined } from '../shared/views.js';

const tags = ['agents'];

export const AgentInputSchema = z
  .object({
    name: z.string().min(1).max(200),
    email: z.email().optional(),
    skills: SkillsSchema.optional(),
    capacity: z.object({ units: z.number().int().min(1).max(10_000).optional(), perChannel: z.record(z.string().min(1).max(64), z.number().int().min(0).max(1000)).optional() }).optional(),
    desk: z.object({ slack: z.string().max(200).optional(), teams: z.string().max(200).optional() }).optional(),
  })
  .strict()
  .openapi('AgentInput');

const listRoute = createRoute({
  method: 'get', path: '/', operationId: 'listAgents', tags, summary: 'List agents, by name', middleware: [requireScope('read')], request: { query: PageQuery },
  responses: { 200: json(pageOf(AgentSchema), 'One page of agents'), ...errorResponses },
});
const createAgentRoute = createRoute({
  method: 'post', path: '/', operationId: 'createAgent', tags, summary: 'Create an agent (starts offline)', middleware: [requireScope('admin')],
  request: { body: { required: true, content: { 'application/json': { schema: AgentInputSchema } } } },
  responses: { 201: json(AgentSchema, 'The agent'), ...errorResponses },
});
const getRoute = createRoute({ method: 'get', path: '/{id}', operationId: 'getAgent', tags, summary: 'An agent', middleware: [requireScope('read')], request: { params: IdParam }, responses: { 200: json(AgentSchema, 'The agent'), ...errorResponses } });
const patchRoute = createRoute({
  method: 'patch', path: '/{id}', operationId: 'updateAgent', tags, summary: 'Change an agent', middleware: [requireScope('admin')],
  request: { params: IdParam, body: { required: true, content: { 'application/json': { schema: AgentInputSchema.partial() } } } },
  responses: { 200: json(AgentSchema, 'The agent'), ...errorResponses },
});
const presenceRoute = createRoute({
  method: 'put', path: '/{id}/presence', operationId: 'setAgentPresence', tags, summary: 'Set presence', middleware: [requireScope('agent')],
  request: { params: IdParam, body: { required: true, content: { 'application/json': { schema: z.object({ status: z.enum(PRESENCES) }) } } } },
  responses: { 200: json(AgentSchema, 'The agent'), ...errorResponses },
});
const offersRoute = createRoute({
  method: 'get', path: '/{id}/offers', operationId: 'listAgentOffers', tags, summary: "The agent's pending offers (status=all for every one)", middleware: [requireScope('agent', 'read')],
  request: { params: IdParam, query: PageQuery.extend({ status: z.enum(['pending', 'all', 'accepted', 'declined', 'expired', 'rescinded']).default('pending') }) },
  responses: { 200: json(pageOf(OfferSchema), 'One page of offers, newest first'), ...errorResponses },
});
const DeskSuggestionSchema = z
  .object({
    instanceId: z.string().openapi({ description: 'The desk plugin instance that found the user' }),
    binding: z.string().openapi({ description: 'The key of `desk` on the agent it would fill', example: 'slack' }),
    userId: z.string().openapi({ example: 'U024BE7LH' }),
    name: z.string().optional(),
    linked: z.boolean().openapi({ description: 'The agent is bound to this user already' }),
  })
  .openapi('DeskSuggestion');
const suggestionsRoute = createRoute({
  method: 'get', path: '/{id}/desk-suggestions', operationId: 'listAgentDeskSuggestions', tags, middleware: [requireScope('admin')],
  summary: "Chat users whose email matches the agent's: bindings to set with PATCH /v1/agents/{id} `desk`",
  request: { params: IdParam },
  responses: { 200: json(z.object({ items: z.array(DeskSuggestionSchema) }), 'One suggestion per desk that found a user (none when the agent has no email)'), ...errorResponses },
});

export const agentRoutes = (deps: { routingReads: RoutingQueries; routing: ManageRouting; desk: DeskCommands; desks?: DeskRegistry | undefined }) =>
  createRouter()
    .openapi(listRoute, async (c) => {
      const page = await deps.routingReads.agents(c.req.valid('query'));
      return c.json({ items: page.items.map(agentJson), nextCursor: page.nextCursor }, 200);
    })
    .openapi(createAgentRoute, async (c) => c.json(agentJson(await deps.routing.createAgent(c.req.valid('json'))), 201))
    .openapi(getRoute, async (c) => c.json(agentJson(await deps.routingReads.agent(c.req.valid('param').id)), 200))
    .openapi(patchRoute, async (c) => c.json(agentJson(await deps.routing.updateAgent(c.req.valid('param').id, withoutUndefined(c.req.valid('json')))), 200))
    .openapi(presenceRoute, async (c) => c.json(agentJson(await deps.desk.setPresence(actorOf(c.var.principal), c.req.valid('param').id, c.req.valid('json').status)), 200))
    .openapi(offersRoute, async (c) => {
      const { status, cursor, limit } = c.req.valid('query');
      const agentId = c.req.valid('param').id;
      const actor = actorOf(c.var.principal);
      if (actor.kind === 'agent' && actor.agentId !== agentId) throw deskErrors.notYourAgent();
      const page = await deps.routingReads.offers(agentId, status === 'all' ? undefined : status, { cursor, limit });
      return c.json({ items: page.items.map(offerJson), nextCursor: page.nextCursor }, 200);
    })
    .openapi(suggestionsRoute, async (c) => {
      const agent = await deps.routingReads.agent(c.req.valid('param').id);
      if (!agent.email) return c.json({ items: [] }, 200);
      const email = agent.email;
      const bound = agent.desk as Record<string, string | undefined>;
      const found = await Promise.all(
        (deps.desks?.list() ?? []).map(async ({ instanceId, desk }) => {
          const user = await desk.findUserByEmail?.(email).catch(() => null);
          return user ? [{ instanceId, binding: user.binding, userId: user.userId, ...(user.name ? { name: user.name } : {}), linked: bound[user.binding] === user.userId }] : [];
        }),
      );
      return c.json({ items: found.flat() }, 200);
    });
