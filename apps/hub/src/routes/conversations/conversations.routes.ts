import { createRoute, z } from '@hono/zod-openapi';
import { CONVERSATION_STATUSES, type DeskCommands, type DeskQueries, type LedgerQueries, type ManageMigrations, type RoutingQueries, type SlaQueries } from '@switchboard/core';
import { actorOf, requireScope } from '../../http/auth.js';
import { createRouter } from '../../http/openapi-router.js';
import { optionalJson } from '../../http/optional-json.js';
import {
  ConversationDetailSchema,
  ConversationSchema,
  IdParam,
  InteractionSchema,
  PageQuery,
  conversationDetailJson,
  conversationJson,
  errorResponses,
  interactionJson,
  json,
  pageOf,
  withSla,
} from '../shared/views.js';

const tags = ['conversations'];
const read = [requireScope('read')];
const agent = [requireScope('agent')];

const listRoute = createRoute({
  method: 'get',
  path: '/',
  operationId: 'listConversations',
  tags,
  summary: 'List conversations, newest first',
  middleware: read,
  request: {
    query: PageQuery.extend({
      status: z.enum(CONVERSATION_STATUSES).optional(),
      queue: z.string().uuid().optional(),
      customerId: z.string().uuid().optional(),
      externalRef: z
        .string()
        .regex(/^legacy:[a-z0-9-]+:ticket:.+$/, 'legacy:<system>:ticket:<id>')
        .optional()
        .openapi({ example: 'legacy:osticket:ticket:123', description: 'The id it had in a source system: at most one conversation' }),
    }),
  },
  responses: { 200: json(pageOf(ConversationSchema), 'One page of conversations'), ...errorResponses },
});

const getRoute = createRoute({
  method: 'get',
  path: '/{id}',
  operationId: 'getConversation',
  tags,
  summary: 'A conversation with its interactions and assignment',
  middleware: read,
  request: { params: IdParam },
  responses: { 200: json(ConversationDetailSchema, 'The conversation'), ...errorResponses },
});

const verifyRoute = createRoute({
  method: 'get',
  path: '/{id}/verify',
  operationId: 'verifyConversation',
  tags,
  summary: "Recompute the conversation's hash chain",
  middleware: read,
  request: { params: IdParam },
  responses: {
    200: json(z.object({ ok: z.boolean(), entries: z.number().int(), brokenAt: z.string().optional() }).openapi('ChainVerification'), 'The verification'),
    ...errorResponses,
  },
});

const WaitReasonSchema = z.object({
  code: z.string(),
  detail: z.string(),
  step: z.number().int().optional().openapi({ description: 'relaxation_step: the step reached (1 is the first)' }),
  widened: z.array(z.string()).optional().openapi({ description: 'relaxation_step: what the steps reached so far widened' }),
});
const routingRoute = createRoute({
  method: 'get',
  path: '/{id}/routing',
  operationId: 'explainConversationRouting',
  tags,
  summary: 'Why the conversation waits, and the routing decisions recorded for it',
  middleware: read,
  request: { params: IdParam },
  responses: {
    200: json(
      z.object({
        conversationId: z.string(),
        status: z.string(),
        waiting: z
          .object({
            queueId: z.string(),
            state: z.string(),
            priority: z.number(),
            enqueuedAt: z.string(),
            excludedAgents: z.array(z.string()),
            skills: z.record(z.string(), z.number()).openapi({ description: 'required skills as queued (the queue\'s and a routing rule\'s)' }),
            optionalSkills: z.record(z.string(), z.number()).openapi({ description: 'required too until a relaxation step drops them' }),
            relaxationStep: z.number().int().openapi({ description: 'the last relaxation step recorded (0: none)' }),
          })
          .nullable(),
        reasons: z.array(WaitReasonSchema),
        relaxation: z
          .object({ step: z.number().int(), of: z.number().int(), widened: z.array(z.string()), skills: z.record(z.string(), z.number()), nextStepAt: z.string().nullable() })
          .nullable()
          .openapi({ description: "A waiting item of a queue with relaxation steps: the step its wait reached now, what that widened, the skills it needs now, when the next step is due" }),
        decisions: z.array(
          z.object({
            at: z.string(),
            outcome: z.string(),
            agentId: z.string().nullable(),
            queueId: z.string().nullable(),
            detail: z.string(),
            rule: z.string().nullable().openapi({ description: 'offered: the rule that picked the winner (a strategy, sticky, after-decline-cooldown, on-available: offered in the presence change that made the agent available); queued: the routing rule that matched (routing-rule:<id>); relaxed: relaxation_step:<n>' }),
            candidates: z
              .array(z.object({ agentId: z.string(), name: z.string(), rank: z.number(), unitsInUse: z.number(), freeUnits: z.number(), skillScore: z.number(), idleSince: z.string() }))
              .nullable()
              .openapi({ description: 'For an offer by the router: the eligible agents at decision time, best first (at most 10)' }),
          }),
        ),
      }),
      'The routing explainer',
    ),
    ...errorResponses,
  },
});

const ReplySchema = z.object({ agentId: z.string().uuid().optional().openapi({ description: 'The agent replying; a key bound to an agent may leave it out' }), text: z.string().min(1).max(200_000), html: z.string().max(1_000_000).optional() }).openapi('Reply');
const replyRoute = createRoute({
  method: 'post',
  path: '/{id}/replies',
  operationId: 'replyToConversation',
  tags,
  summary: "Reply to the customer through the channel they last wrote from",
  middleware: agent,
  request: { params: IdParam, body: { required: true, content: { 'application/json': { schema: ReplySchema } } } },
  responses: { 201: json(InteractionSchema, 'The outbound interaction; delivery follows asynchronously'), ...errorResponses },
});

const noteRoute = createRoute({
  method: 'post',
  path: '/{id}/notes',
  operationId: 'addConversationNote',
  tags,
  summary: 'Add an internal note',
  middleware: agent,
  request: { params: IdParam, body: { required: true, content: { 'application/json': { schema: z.object({ agentId: z.string().uuid().optional(), text: z.string().min(1).max(100_000) }) } } } },
  responses: { 201: json(InteractionSchema, 'The note'), ...errorResponses },
});

const ActorSchema = z.object({ agentId: z.string().uuid().optional() });
const resolveRoute = createRoute({
  method: 'post',
  path: '/{id}/resolve',
  operationId: 'resolveConversation',
  tags,
  summary: 'Resolve: ends the assignment and frees capacity',
  middleware: agent,
  description: 'Body (optional): `{ agentId }`, the agent acting.',
  request: { params: IdParam },
  responses: { 200: json(ConversationSchema, 'The resolved conversation'), ...errorResponses },
});

const reopenRoute = createRoute({
  method: 'post',
  path: '/{id}/reopen',
  operationId: 'reopenConversation',
  tags,
  summary: 'Reopen a resolved conversation into its queue',
  middleware: agent,
  description: 'Body (optional): `{ agentId }`, the agent acting.',
  request: { params: IdParam },
  responses: { 200: json(ConversationSchema, 'The reopened conversation'), ...errorResponses },
});

const TransferSchema = z
  .object({ queueId: z.string().uuid().optional(), agentId: z.string().uuid().optional() })
  .refine((t) => (t.queueId === undefined) !== (t.agentId === undefined), { message: 'give exactly one of queueId or agentId', path: ['queueId'] })
  .openapi('Transfer');
const transferRoute = createRoute({
  method: 'post',
  path: '/{id}/transfer',
  operationId: 'transferConversation',
  tags,
  summary: 'Transfer to a queue or an agent: rescinds offers, ends the assignment, re-queues',
  middleware: agent,
  request: { params: IdParam, body: { required: true, content: { 'application/json': { schema: TransferSchema } } } },
  responses: { 200: json(ConversationSchema, 'The transferred conversation'), ...errorResponses },
});

export const conversationRoutes = (deps: { migrations?: Pick<ManageMigrations, 'conversationsByExternalRef'>; ledger: LedgerQueries; deskReads: DeskQueries; routingReads: RoutingQueries; desk: DeskCommands; sla: SlaQueries }) =>
  createRouter()
    .openapi(listRoute, async (c) => {
      const { cursor, limit, status, queue, customerId, externalRef } = c.req.valid('query');
      const page =
        externalRef !== undefined && deps.migrations !== undefined
          ? await deps.migrations.conversationsByExternalRef(externalRef, { status, queueId: queue, customerId })
          : await deps.ledger.conversations({ status, queueId: queue, customerId }, { cursor, limit });
      const clocks = await deps.sla.clocks(page.items);
      return c.json({ items: page.items.map((item) => withSla(conversationJson(item), clocks.get(item.id))), nextCursor: page.nextCursor }, 200);
    })
    .openapi(getRoute, async (c) => {
      const conversation = await deps.deskReads.conversation(c.req.valid('param').id);
      const clocks = await deps.sla.clocks([conversation]);
      return c.json(withSla(conversationDetailJson(conversation), clocks.get(conversation.id)), 200);
    })
    .openapi(verifyRoute, async (c) => c.json(await deps.ledger.verify(c.req.valid('param').id), 200))
    .openapi(routingRoute, async (c) => {
      const view = await deps.routingReads.routing(c.req.valid('param').id);
      return c.json(
        {
          conversationId: view.conversationId,
          status: view.status,
          waiting: view.waiting
            ? {
                queueId: view.waiting.queueId,
                state: view.waiting.state,
                priority: view.waiting.priority,
                enqueuedAt: view.waiting.enqueuedAt.toISOString(),
                excludedAgents: view.waiting.excludedAgents,
                skills: view.waiting.skills,
                optionalSkills: view.waiting.optionalSkills,
                relaxationStep: view.waiting.relaxationStep,
              }
            : null,
          reasons: view.reasons,
          relaxation: view.relaxation,
          decisions: view.decisions.map((d) => ({
            at: d.at.toISOString(), outcome: d.outcome, agentId: d.agentId, queueId: d.queueId, detail: d.detail, rule: d.rule ?? null, candidates: d.candidates ?? null,
          })),
        },
        200,
      );
    })
    .openapi(replyRoute, async (c) => {
      const reply = await deps.desk.reply(actorOf(c.var.principal), c.req.valid('param').id, c.req.valid('json'));
      return c.json(interactionJson({ ...reply, delivery: { status: 'pending', reason: null, attempts: 0 } }), 201);
    })
    .openapi(noteRoute, async (c) => c.json(interactionJson({ ...(await deps.desk.note(actorOf(c.var.principal), c.req.valid('param').id, c.req.valid('json'))), delivery: null }), 201))
    .openapi(resolveRoute, async (c) => {
      const { agentId } = await optionalJson(c, ActorSchema);
      return c.json(conversationJson(await deps.desk.resolve(actorOf(c.var.principal), c.req.valid('param').id, agentId)), 200);
    })
    .openapi(reopenRoute, async (c) => {
      const { agentId } = await optionalJson(c, ActorSchema);
      return c.json(conversationJson(await deps.desk.reopen(actorOf(c.var.principal), c.req.valid('param').id, agentId)), 200);
    })
    .openapi(transferRoute, async (c) => {
      const body = c.req.valid('json');
      const target = body.queueId !== undefined ? { queueId: body.queueId } : { agentId: body.agentId ?? '' };
      return c.json(conversationJson(await deps.desk.transfer(actorOf(c.var.principal), c.req.valid('param').id, target)), 200);
    });
