import { z } from '@hono/zod-openapi';
import type { Agent, Conversation, ConversationView, CustomerView, InteractionView, Offer, Queue, SlaStatus } from '@switchboard/core';

// The public JSON shapes of API.md, with the zod schemas the OpenAPI document is generated from.

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    code: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

export const IdentitySchema = z.object({ kind: z.string(), value: z.string(), verified: z.boolean() });

export const CustomerSchema = z
  .object({
    id: z.string(),
    displayName: z.string().nullable(),
    identities: z.array(IdentitySchema),
    attributes: z.record(z.string(), z.unknown()),
    mergedInto: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('Customer');

export const customerJson = (c: CustomerView): z.infer<typeof CustomerSchema> => ({
  id: c.id,
  displayName: c.displayName,
  identities: c.identities.map((i) => ({ kind: i.kind, value: i.value, verified: i.verified })),
  attributes: c.attributes,
  mergedInto: c.mergedInto,
  createdAt: c.createdAt.toISOString(),
});

const PartySchema = z.object({ kind: z.string(), value: z.string(), name: z.string().optional() });
const AttachmentSchema = z.object({ name: z.string(), contentType: z.string(), size: z.number().optional(), url: z.string().optional() });

export const InteractionSchema = z
  .object({
    id: z.string(),
    conversationId: z.string(),
    customerId: z.string(),
    seq: z.number().int(),
    channel: z.string(),
    direction: z.enum(['inbound', 'outbound', 'internal']),
    type: z.string(),
    externalId: z.string().nullable(),
    threadRef: z.string().nullable(),
    subject: z.string().nullable(),
    text: z.string(),
    html: z.string().nullable(),
    attachments: z.array(AttachmentSchema),
    party: PartySchema.nullable(),
    agentId: z.string().nullable(),
    data: z.record(z.string(), z.unknown()),
    occurredAt: z.string(),
    recordedAt: z.string(),
    digest: z.string(),
    erasedAt: z.string().nullable().openapi({ description: 'When erasure replaced the personal content with a tombstone; the digest still verifies' }),
    hop: z
      .object({ from: z.string(), to: z.string() })
      .nullable()
      .openapi({ description: 'Set when this message came on another channel than the message before it in its conversation (a channel hop)' }),
    delivery: z
      .object({ status: z.enum(['pending', 'delivered', 'retrying', 'dead']), reason: z.string().nullable(), attempts: z.number().int() })
      .nullable(),
  })
  .openapi('Interaction');

const hopJson = (value: unknown): { from: string; to: string } | null => {
  if (typeof value !== 'object' || value === null) return null;
  const { from, to } = value as Record<string, unknown>;
  return typeof from === 'string' && typeof to === 'string' ? { from, to } : null;
};

export const interactionJson = (i: InteractionView): z.infer<typeof InteractionSchema> => ({
  id: i.id,
  conversationId: i.conversationId,
  customerId: i.customerId,
  seq: i.seq,
  channel: i.channel,
  direction: i.direction,
  type: i.type,
  externalId: i.externalId,
  threadRef: i.threadRef,
  subject: i.subject,
  text: i.text,
  html: i.html,
  attachments: i.attachments,
  party: i.party,
  agentId: i.agentId,
  data: i.data,
  occurredAt: i.occurredAt.toISOString(),
  recordedAt: i.recordedAt.toISOString(),
  digest: i.digest,
  erasedAt: iso(i.erasedAt),
  hop: hopJson(i.data['hop']),
  delivery: i.delivery,
});

export const SlaClocksSchema = z
  .object({
    firstResponseDue: z.string().nullable(),
    resolutionDue: z.string().nullable(),
    breached: z.boolean(),
    breaches: z.array(z.enum(['first_response', 'resolution'])),
  })
  .openapi('SlaClocks', { description: "Due instants from the queue's SLA targets, counted in business hours; absent when the queue has no targets" });

export const slaJson = (s: SlaStatus): z.infer<typeof SlaClocksSchema> => ({
  firstResponseDue: iso(s.firstResponseDue),
  resolutionDue: iso(s.resolutionDue),
  breached: s.breached,
  breaches: s.breaches,
});

/** Adds the SLA clocks to a conversation's JSON when its queue has targets. */
export const withSla = <T extends object>(json: T, sla: SlaStatus | undefined): T & { sla?: z.infer<typeof SlaClocksSchema> } => (sla ? { ...json, sla: slaJson(sla) } : json);

export const ConversationSchema = z
  .object({
    id: z.string(),
    customerId: z.string(),
    status: z.enum(['open', 'queued', 'offered', 'assigned', 'waiting', 'resolved', 'closed']),
    queueId: z.string().nullable(),
    priority: z.number().int(),
    channels: z.array(z.string()),
    hops: z.number().int().openapi({ description: 'Channel hops: how often the customer switched channel' }),
    handoffs: z.number().int().openapi({ description: 'How often the conversation changed hands (transfers)' }),
    assignment: z.object({ agentId: z.string(), since: z.string() }).nullable(),
    firstResponseAt: z.string().nullable(),
    resolvedAt: z.string().nullable(),
    sla: SlaClocksSchema.optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Conversation');

export const conversationJson = (c: Conversation): z.infer<typeof ConversationSchema> => ({
  id: c.id,
  customerId: c.customerId,
  status: c.status,
  queueId: c.queueId,
  priority: c.priority,
  channels: c.channels,
  hops: c.hops,
  handoffs: c.handoffs,
  assignment: c.assignment ? { agentId: c.assignment.agentId, since: c.assignment.since.toISOString() } : null,
  firstResponseAt: iso(c.firstResponseAt),
  resolvedAt: iso(c.resolvedAt),
  createdAt: c.createdAt.toISOString(),
  updatedAt: c.updatedAt.toISOString(),
});

export const ConversationDetailSchema = ConversationSchema.extend({ interactions: z.array(InteractionSchema) }).openapi('ConversationDetail');
export const conversationDetailJson = (c: ConversationView) => ({ ...conversationJson(c), interactions: c.interactions.map(interactionJson) });

export const SkillsSchema = z.record(z.string().min(1).max(64), z.number().int().min(1).max(5));

const LocalIntervalSchema = z.object({
  start: z.string().openapi({ example: '09:00', description: 'local time HH:MM' }),
  end: z.string().openapi({ example: '17:00', description: 'local time HH:MM or 24:00; at or before start means the next day' }),
});
export const BusinessHoursSchema = z
  .object({
    timeZone: z.string().openapi({ example: 'Europe/Berlin', description: 'IANA time zone' }),
    weekly: z.partialRecord(z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']), z.array(LocalIntervalSchema)).openapi({ description: 'open intervals per weekday, local time' }),
    holidays: z
      .array(z.object({ date: z.string().openapi({ example: '2026-12-24' }), open: z.array(LocalIntervalSchema).optional().openapi({ description: 'replaces the weekly intervals that day; absent: closed all day' }) }))
      .optional(),
  })
  .openapi('BusinessHours', { description: 'When the queue offers items; SLA clocks run only while open. Absent or null: always open.' });

export const RelaxationStepSchema = z
  .object({
    afterSeconds: z.number().int().min(1).max(30 * 86_400).openapi({ description: 'seconds of waiting after which the step applies; steps ascending' }),
    dropOptionalSkills: z.boolean().optional().openapi({ description: 'optional skills stop being required' }),
    lowerLevelsBy: z.number().int().min(1).max(4).optional().openapi({ description: 'every required level goes down by this much (never below 1)' }),
    alsoQueues: z.array(z.string().min(1).max(200)).max(20).optional().openapi({ description: 'queues (id or name; answered as ids) whose agents, by their skills, may take the item too' }),
  })
  .strict()
  .openapi('RelaxationStep', { description: 'Steps add up and keep the item in its place (priority and enqueue time unchanged)' });

export const QueueSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    skills: z.record(z.string(), z.number()),
    optionalSkills: z.record(z.string(), z.number()).openapi({ description: 'required too until a relaxation step drops them' }),
    relaxation: z.array(RelaxationStepSchema).nullable(),
    strategy: z.enum(['longest-idle', 'least-occupied', 'most-available', 'best-skill', 'round-robin']),
    sticky: z.object({ windowSeconds: z.number() }).nullable(),
    cost: z.union([z.number(), z.record(z.string(), z.number())]),
    offerTimeoutSeconds: z.number(),
    sla: z.object({ firstResponseSeconds: z.number().optional(), resolutionSeconds: z.number().optional() }).nullable(),
    overflow: z.object({ afterSeconds: z.number(), queueId: z.string() }).nullable(),
    aging: z.object({ everySeconds: z.number(), maxBoost: z.number() }).nullable(),
    businessHours: BusinessHoursSchema.nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Queue');

export const queueJson = (q: Queue): z.infer<typeof QueueSchema> => ({
  ...q,
  createdAt: q.createdAt.toISOString(),
  updatedAt: q.updatedAt.toISOString(),
});

export const AgentSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    email: z.string().nullable(),
    skills: z.record(z.string(), z.number()),
    capacity: z.object({ units: z.number(), perChannel: z.record(z.string(), z.number()) }),
    presence: z.enum(['available', 'busy', 'away', 'offline']),
    presenceSince: z.string(),
    desk: z.object({ slack: z.string().optional(), teams: z.string().optional() }),
    createdAt: z.string(),
  })
  .openapi('Agent');

export const agentJson = (a: Agent): z.infer<typeof AgentSchema> => ({
  id: a.id,
  name: a.name,
  email: a.email,
  skills: a.skills,
  capacity: a.capacity,
  presence: a.presence,
  presenceSince: a.presenceSince.toISOString(),
  desk: a.desk,
  createdAt: a.createdAt.toISOString(),
});

export const OfferSchema = z
  .object({
    id: z.string(),
    conversationId: z.string(),
    agentId: z.string(),
    queueId: z.string(),
    channel: z.string(),
    status: z.enum(['pending', 'accepted', 'declined', 'expired', 'rescinded']),
    createdAt: z.string(),
    expiresAt: z.string(),
    answeredAt: z.string().nullable(),
    reason: z.string().nullable(),
  })
  .openapi('Offer');

export const offerJson = (o: Offer): z.infer<typeof OfferSchema> => ({
  id: o.id,
  conversationId: o.conversationId,
  agentId: o.agentId,
  queueId: o.queueId,
  channel: o.channel,
  status: o.status,
  createdAt: o.createdAt.toISOString(),
  expiresAt: o.expiresAt.toISOString(),
  answeredAt: iso(o.answeredAt),
  reason: o.reason,
});

export const IdParam = z.object({ id: z.string().uuid().openapi({ param: { name: 'id', in: 'path' } }) });

export const PageQuery = z.object({
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const pageOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

/** Standard error responses of every /v1 route, so each documents them (any body over the limit is a 413). */
export const errorResponses = {
  400: { description: 'Malformed request', content: { 'application/problem+json': { schema: ProblemSchema } } },
  401: { description: 'No valid API key', content: { 'application/problem+json': { schema: ProblemSchema } } },
  403: { description: 'The key lacks the scope', content: { 'application/problem+json': { schema: ProblemSchema } } },
  404: { description: 'Not found', content: { 'application/problem+json': { schema: ProblemSchema } } },
  409: { description: 'Conflicts with the current state', content: { 'application/problem+json': { schema: ProblemSchema } } },
  413: { description: 'The body is over the limit (1 MiB unless configured)', content: { 'application/problem+json': { schema: ProblemSchema } } },
  422: { description: 'Breaks a rule; `errors` names the fields', content: { 'application/problem+json': { schema: ProblemSchema } } },
} as const;

export const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

/** Drops the fields a request left out, so a use case's defaults and a PATCH's "unchanged" apply. */
export const withoutUndefined = <T extends object>(input: T): T =>
  Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) as T;
