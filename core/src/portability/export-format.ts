import { z } from 'zod';
import { IDENTITY_KINDS } from '../identity/identity.value-object.js';
import { MERGE_SUGGESTION_STATUSES } from '../identity/merge-suggestion.entity.js';
import { CONVERSATION_STATUSES } from '../ledger/conversation.entity.js';
import { PRESENCES } from '../routing/agent.entity.js';
import { ROUTING_STRATEGIES } from '../routing/queue.entity.js';
import { CRM_LOG_STATUSES } from '../crm/crm-log.entity.js';
import { ALL_LEGACY_ENTITIES } from '../plugin-api/legacy-source.port.js';
import type { PortableRows, PortableTable } from './ports/portability-store.port.js';

/** The name and version of the file format (docs/export-format.md); a reader refuses other versions. */
export const EXPORT_FORMAT = 'switchboard.hub-export';
export const EXPORT_FORMAT_VERSION = 1;
export const EXPORT_MEDIA_TYPE = 'application/x-ndjson';

/**
 * The record types in the order an export writes them: what others refer to comes first, and
 * interactions go conversation by conversation, oldest first. Another table is one more entry
 * here, its key in `PORTABLE_KEYS` and its schema in `RECORD_SCHEMAS`.
 */
export const EXPORT_SECTIONS = [
  'queue',
  'routing_rule',
  'agent',
  'customer',
  'identity',
  'customer_merge',
  'merge_suggestion',
  'conversation',
  'interaction',
  'inbound_receipt',
  'delivery',
  'work_item',
  'offer',
  'assignment',
  'routing_decision',
  'sla_verdict',
  'legacy_mapping',
  'crm_log_entry',
] as const satisfies readonly PortableTable[];

const date = z.iso.datetime({ offset: true }).transform((text) => new Date(text));
const nullableDate = date.nullable();
const id = z.uuid();
const json = z.record(z.string(), z.unknown());
const levels = z.record(z.string(), z.number().int());

const customer = z.strictObject({
  id,
  displayName: z.string().nullable(),
  attributes: json,
  mergedInto: id.nullable(),
  createdAt: date,
  updatedAt: date,
});

const identityKey = z.strictObject({ kind: z.enum(IDENTITY_KINDS), value: z.string().min(1) });

const identity = z.strictObject({ ...identityKey.shape, customerId: id, verified: z.boolean(), createdAt: date });

const customerMerge = z.strictObject({
  id,
  survivorId: id,
  mergedId: id,
  identities: z.array(identityKey),
  conversations: z.array(id),
  attributes: z.array(z.strictObject({ key: z.string(), hadBefore: z.boolean(), before: z.unknown(), after: z.unknown() })),
  displayNameBefore: z.string().nullable(),
  displayNameChanged: z.boolean(),
  createdAt: date,
  undoneAt: nullableDate,
});

const mergeSuggestion = z.strictObject({
  id,
  customerId: id,
  otherCustomerId: id,
  identity: identityKey,
  interactionId: id.nullable(),
  status: z.enum(MERGE_SUGGESTION_STATUSES),
  createdAt: date,
  decidedAt: nullableDate,
});

const queue = z.strictObject({
  id,
  name: z.string().min(1),
  skills: levels,
  // Files written before relaxation existed have neither.
  optionalSkills: levels.default({}),
  relaxation: z
    .array(z.strictObject({ afterSeconds: z.number().int(), dropOptionalSkills: z.boolean().optional(), lowerLevelsBy: z.number().int().optional(), alsoQueues: z.array(id).optional() }))
    .nullable()
    .default(null),
  strategy: z.enum(ROUTING_STRATEGIES),
  sticky: z.strictObject({ windowSeconds: z.number() }).nullable(),
  cost: z.union([z.number(), z.record(z.string(), z.number())]),
  offerTimeoutSeconds: z.number().int(),
  sla: z.strictObject({ firstResponseSeconds: z.number().optional(), resolutionSeconds: z.number().optional() }).nullable(),
  overflow: z.strictObject({ afterSeconds: z.number(), queueId: id }).nullable(),
  aging: z.strictObject({ everySeconds: z.number(), maxBoost: z.number() }).nullable(),
  // Validated when it was saved; carried as the hub stored it.
  businessHours: z.looseObject({ timeZone: z.string(), weekly: json }).nullable(),
  createdAt: date,
  updatedAt: date,
});

// Conditions and actions were validated when the rule was saved; carried as the hub stored them.
const routingRule = z.strictObject({
  id,
  name: z.string().min(1),
  position: z.number().int(),
  enabled: z.boolean(),
  match: json,
  actions: z.looseObject({ queueId: id.optional() }),
  createdAt: date,
  updatedAt: date,
});

const agent = z.strictObject({
  id,
  name: z.string().min(1),
  email: z.string().nullable(),
  skills: levels,
  capacity: z.strictObject({ units: z.number(), perChannel: z.record(z.string(), z.number()) }),
  presence: z.enum(PRESENCES),
  presenceSince: date,
  desk: z.strictObject({ slack: z.string().optional(), teams: z.string().optional() }),
  lastOfferAt: nullableDate,
  createdAt: date,
  updatedAt: date,
});

const conversation = z.strictObject({
  id,
  customerId: id,
  status: z.enum(CONVERSATION_STATUSES),
  queueId: id.nullable(),
  priority: z.number().int(),
  channels: z.array(z.string()),
  hops: z.number().int(),
  handoffs: z.number().int(),
  assignment: z.strictObject({ agentId: id, since: date }).nullable(),
  lastInboundChannel: z.string().nullable(),
  lastInboundAt: nullableDate,
  firstResponseAt: nullableDate,
  resolvedAt: nullableDate,
  createdAt: date,
  updatedAt: date,
});

const digest = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 digest in hex');

const interaction = z.strictObject({
  id,
  conversationId: id,
  customerId: id,
  seq: z.number().int().min(1),
  channel: z.string().min(1),
  direction: z.enum(['inbound', 'outbound', 'internal']),
  type: z.enum(['message', 'note', 'status', 'assignment', 'merge', 'erasure']),
  externalId: z.string().nullable(),
  threadRef: z.string().nullable(),
  subject: z.string().nullable(),
  text: z.string(),
  html: z.string().nullable(),
  attachments: z.array(z.strictObject({ name: z.string(), contentType: z.string(), size: z.number().optional(), url: z.string().optional() })),
  party: z.strictObject({ kind: z.string(), value: z.string(), name: z.string().optional() }).nullable(),
  agentId: id.nullable(),
  data: json,
  sourcePlugin: z.string().nullable(),
  occurredAt: date,
  recordedAt: date,
  contentHash: digest,
  prevDigest: digest.nullable(),
  digest,
  erasedAt: nullableDate,
});

const inboundReceipt = z.strictObject({ channel: z.string().min(1), externalId: z.string(), interactionId: id, receivedAt: date });

const delivery = z.strictObject({
  interactionId: id,
  channel: z.string().min(1),
  status: z.enum(['pending', 'delivered', 'retrying', 'dead']),
  attempts: z.number().int().min(0),
  nextAttemptAt: nullableDate,
  leaseUntil: nullableDate,
  reason: z.string().nullable(),
  providerMessageId: z.string().nullable(),
  updatedAt: date,
});

const workItem = z.strictObject({
  conversationId: id,
  queueId: id,
  priority: z.number().int(),
  channel: z.string(),
  skills: levels,
  optionalSkills: levels.default({}),
  relaxationStep: z.number().int().min(0).default(0),
  cost: z.number().int(),
  state: z.enum(['waiting', 'offered']),
  enqueuedAt: date,
  excludedAgents: z.array(id),
  declinedAt: nullableDate,
  reasons: z.array(
    z.strictObject({
      code: z.enum(['nobody_available', 'no_skilled_agent', 'all_at_capacity', 'outside_hours', 'declined_by_all', 'relaxation_step']),
      detail: z.string(),
      step: z.number().int().optional(),
      widened: z.array(z.string()).optional(),
    }),
  ),
  updatedAt: date,
});

const offer = z.strictObject({
  id,
  conversationId: id,
  agentId: id,
  queueId: id,
  channel: z.string(),
  cost: z.number().int(),
  status: z.enum(['pending', 'accepted', 'declined', 'expired', 'rescinded']),
  createdAt: date,
  expiresAt: date,
  answeredAt: nullableDate,
  reason: z.string().nullable(),
});

const assignment = z.strictObject({
  id,
  conversationId: id,
  agentId: id,
  queueId: id.nullable(),
  channel: z.string(),
  cost: z.number().int(),
  startedAt: date,
  endedAt: nullableDate,
});

const routingDecision = z.strictObject({
  id,
  conversationId: id,
  queueId: id.nullable(),
  at: date,
  outcome: z.enum(['queued', 'offered', 'accepted', 'declined', 'expired', 'rescinded', 'transferred', 'relaxed']),
  agentId: id.nullable(),
  detail: z.string(),
  rule: z.string().nullable().optional(),
  candidates: z.array(json).nullable().optional(),
});

const slaVerdict = z.strictObject({
  conversationId: id,
  kind: z.enum(['first_response', 'resolution']),
  queueId: id,
  met: z.boolean(),
  dueAt: date,
  decidedAt: date,
  recordedAt: date,
});

const legacyMapping = z.strictObject({
  externalId: z.string().min(1).max(1000),
  system: z.string().min(1).max(64),
  entity: z.enum(ALL_LEGACY_ENTITIES as [string, ...string[]]),
  hubId: id.nullable(),
  contentHash: z.string().regex(/^[0-9a-f]{64}$/),
  data: json,
  runId: id,
  updatedAt: date,
});

const crmLogEntry = z.strictObject({
  instanceId: z.string().min(1).max(200),
  interactionId: id,
  position: z.number().int().min(1),
  customerId: id,
  conversationId: id,
  kind: z.enum(['entry', 'summary']),
  status: z.enum(CRM_LOG_STATUSES as [string, ...string[]]),
  attempts: z.number().int().min(0),
  leaseUntil: nullableDate,
  contactId: z.string().max(200).nullable(),
  activityId: z.string().max(200).nullable(),
  lastError: z.string().nullable(),
  createdAt: date,
  updatedAt: date,
});

/** The fields of each record type (besides `type`); dates are ISO 8601 texts in the file. */
export const RECORD_SCHEMAS: { readonly [T in PortableTable]: z.ZodType<unknown> } = {
  customer,
  identity,
  customer_merge: customerMerge,
  merge_suggestion: mergeSuggestion,
  queue,
  routing_rule: routingRule,
  agent,
  conversation,
  interaction,
  inbound_receipt: inboundReceipt,
  delivery,
  work_item: workItem,
  offer,
  assignment,
  routing_decision: routingDecision,
  sla_verdict: slaVerdict,
  legacy_mapping: legacyMapping,
  crm_log_entry: crmLogEntry,
};

const counts = z.record(z.string(), z.number().int().min(0));

export const ExportHeaderSchema = z.strictObject({
  type: z.literal('header'),
  format: z.literal(EXPORT_FORMAT),
  formatVersion: z.number().int(),
  hubVersion: z.string(),
  exportedAt: date,
  /** The record types in the order they follow. */
  sections: z.array(z.string()),
  /** Rows per record type when the export began (the hub may have moved on while it ran: the trailer counts what the file holds). */
  counts,
});
export type ExportHeader = z.infer<typeof ExportHeaderSchema>;

export const ExportTrailerSchema = z.strictObject({
  type: z.literal('trailer'),
  /** Records per type in this file. */
  counts,
  /** Records between header and trailer. */
  records: z.number().int().min(0),
  /** SHA-256 (hex) of every byte before the trailer line: the header and record lines with their newlines. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type ExportTrailer = z.infer<typeof ExportTrailerSchema>;

/** An interaction's own `type` (message, note, …) is written as `interactionType`: `type` names the record. */
const INTERACTION_TYPE = 'interactionType';

/** One record line as written: the record type, then the row's fields (dates become ISO texts). */
export const recordLine = <T extends PortableTable>(type: T, row: PortableRows[T]): string => {
  if (type !== 'interaction') return `${JSON.stringify({ type, ...row })}\n`;
  const { type: interactionType, ...rest } = row as PortableRows['interaction'];
  return `${JSON.stringify({ type, [INTERACTION_TYPE]: interactionType, ...rest })}\n`;
};

/** The row's fields of a parsed record line (its `type` taken off), as the record schema reads them. */
export const recordFields = (type: PortableTable, line: Record<string, unknown>): Record<string, unknown> => {
  const { type: _record, ...fields } = line;
  if (type !== 'interaction' || !(INTERACTION_TYPE in fields)) return fields;
  const { [INTERACTION_TYPE]: interactionType, ...rest } = fields;
  return { ...rest, type: interactionType };
};

export const isPortableTable = (type: unknown): type is PortableTable => typeof type === 'string' && Object.hasOwn(RECORD_SCHEMAS, type);
