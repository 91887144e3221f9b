import type { Conversation, Delivery, Interaction } from '@switchboard/core';
import type { ConversationRow, DeliveryRow, InteractionRow } from '../schemas/ledger.schema.js';
import { toJsonObject } from './json.mapper.js';

export const toConversationRow = (c: Conversation): ConversationRow => ({
  id: c.id,
  customerId: c.customerId,
  status: c.status,
  queueId: c.queueId,
  priority: c.priority,
  channels: c.channels,
  hops: c.hops,
  // the assignment is flattened into two columns so it can be indexed and read without jsonb
  assignmentAgentId: c.assignment?.agentId ?? null,
  assignmentSince: c.assignment?.since ?? null,
  lastInboundChannel: c.lastInboundChannel,
  lastInboundAt: c.lastInboundAt,
  firstResponseAt: c.firstResponseAt,
  resolvedAt: c.resolvedAt,
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
});

export const toConversation = (r: ConversationRow): Conversation => ({
  id: r.id,
  customerId: r.customerId,
  status: r.status,
  queueId: r.queueId,
  priority: r.priority,
  channels: r.channels,
  hops: r.hops,
  assignment:
    r.assignmentAgentId !== null && r.assignmentSince !== null ? { agentId: r.assignmentAgentId, since: r.assignmentSince } : null,
  lastInboundChannel: r.lastInboundChannel,
  lastInboundAt: r.lastInboundAt,
  firstResponseAt: r.firstResponseAt,
  resolvedAt: r.resolvedAt,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
});

export const toInteractionRow = (i: Interaction): InteractionRow => ({
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
  data: toJsonObject(i.data),
  sourcePlugin: i.sourcePlugin,
  occurredAt: i.occurredAt,
  recordedAt: i.recordedAt,
  contentHash: i.contentHash,
  prevDigest: i.prevDigest,
  digest: i.digest,
  erasedAt: i.erasedAt,
});

export const toInteraction = (r: InteractionRow): Interaction => ({
  id: r.id,
  conversationId: r.conversationId,
  customerId: r.customerId,
  seq: r.seq,
  channel: r.channel,
  direction: r.direction,
  type: r.type,
  externalId: r.externalId,
  threadRef: r.threadRef,
  subject: r.subject,
  text: r.text,
  html: r.html,
  attachments: r.attachments,
  party: r.party,
  agentId: r.agentId,
  data: r.data,
  sourcePlugin: r.sourcePlugin,
  occurredAt: r.occurredAt,
  recordedAt: r.recordedAt,
  contentHash: r.contentHash,
  prevDigest: r.prevDigest,
  digest: r.digest,
  erasedAt: r.erasedAt,
});

export const toDeliveryRow = (d: Delivery): DeliveryRow => ({
  interactionId: d.interactionId,
  channel: d.channel,
  status: d.status,
  attempts: d.attempts,
  nextAttemptAt: d.nextAttemptAt,
  leaseUntil: d.leaseUntil,
  reason: d.reason,
  providerMessageId: d.providerMessageId,
  updatedAt: d.updatedAt,
});

export const toDelivery = (r: DeliveryRow): Delivery => ({
  interactionId: r.interactionId,
  channel: r.channel,
  status: r.status,
  attempts: r.attempts,
  nextAttemptAt: r.nextAttemptAt,
  leaseUntil: r.leaseUntil,
  reason: r.reason,
  providerMessageId: r.providerMessageId,
  updatedAt: r.updatedAt,
});
