import type {
  AttachmentRef,
  ConversationStatus,
  DeliveryStatus,
  InteractionDirection,
  InteractionType,
  Party,
} from '@switchboard/core';
import { EntitySchema } from 'typeorm';
import type { JsonObject } from '../mappers/json.mapper.js';

export interface ConversationRow {
  id: string;
  customerId: string;
  status: ConversationStatus;
  queueId: string | null;
  priority: number;
  channels: string[];
  hops: number;
  assignmentAgentId: string | null;
  assignmentSince: Date | null;
  lastInboundChannel: string | null;
  lastInboundAt: Date | null;
  firstResponseAt: Date | null;
  resolvedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

// Indexes with a sort direction or a predicate live in the migration only; TypeORM cannot express them.
export const ConversationSchema = new EntitySchema<ConversationRow>({
  name: 'Conversation',
  tableName: 'conversations',
  columns: {
    id: { type: 'uuid', primary: true, primaryKeyConstraintName: 'pk_conversations' },
    customerId: { type: 'uuid', name: 'customer_id' },
    status: { type: 'varchar', length: 16 },
    queueId: { type: 'uuid', name: 'queue_id', nullable: true },
    priority: { type: 'int' },
    channels: { type: 'jsonb' },
    hops: { type: 'int' },
    assignmentAgentId: { type: 'uuid', name: 'assignment_agent_id', nullable: true },
    assignmentSince: { type: 'timestamptz', name: 'assignment_since', nullable: true },
    lastInboundChannel: { type: 'varchar', length: 64, name: 'last_inbound_channel', nullable: true },
    lastInboundAt: { type: 'timestamptz', name: 'last_inbound_at', nullable: true },
    firstResponseAt: { type: 'timestamptz', name: 'first_response_at', nullable: true },
    resolvedAt: { type: 'timestamptz', name: 'resolved_at', nullable: true },
    createdAt: { type: 'timestamptz', name: 'created_at' },
    updatedAt: { type: 'timestamptz', name: 'updated_at' },
  },
  indices: [{ name: 'ix_conversations_customer_status_updated', columns: ['customerId', 'status', 'updatedAt'] }],
});

export interface InteractionRow {
  id: string;
  conversationId: string;
  customerId: string;
  seq: number;
  channel: string;
  direction: InteractionDirection;
  type: InteractionType;
  externalId: string | null;
  threadRef: string | null;
  subject: string | null;
  text: string;
  html: string | null;
  attachments: AttachmentRef[];
  party: Party | null;
  agentId: string | null;
  data: JsonObject;
  sourcePlugin: string | null;
  occurredAt: Date;
  recordedAt: Date;
  contentHash: string;
  prevDigest: string | null;
  digest: string;
  erasedAt: Date | null;
}

// The generated `search` tsvector column is left out: it is never written, only matched.
export const InteractionSchema = new EntitySchema<InteractionRow>({
  name: 'Interaction',
  tableName: 'interactions',
  columns: {
    id: { type: 'uuid', primary: true, primaryKeyConstraintName: 'pk_interactions' },
    conversationId: { type: 'uuid', name: 'conversation_id' },
    customerId: { type: 'uuid', name: 'customer_id' },
    seq: { type: 'int' },
    channel: { type: 'varchar', length: 64 },
    direction: { type: 'varchar', length: 16 },
    type: { type: 'varchar', length: 16 },
    externalId: { type: 'text', name: 'external_id', nullable: true },
    threadRef: { type: 'text', name: 'thread_ref', nullable: true },
    subject: { type: 'text', nullable: true },
    text: { type: 'text' },
    html: { type: 'text', nullable: true },
    attachments: { type: 'jsonb' },
    party: { type: 'jsonb', nullable: true },
    agentId: { type: 'uuid', name: 'agent_id', nullable: true },
    data: { type: 'jsonb' },
    sourcePlugin: { type: 'varchar', length: 200, name: 'source_plugin', nullable: true },
    occurredAt: { type: 'timestamptz', name: 'occurred_at' },
    recordedAt: { type: 'timestamptz', name: 'recorded_at' },
    contentHash: { type: 'varchar', length: 64, name: 'content_hash' },
    prevDigest: { type: 'varchar', length: 64, name: 'prev_digest', nullable: true },
    digest: { type: 'varchar', length: 64 },
    erasedAt: { type: 'timestamptz', name: 'erased_at', nullable: true },
  },
  indices: [{ name: 'uq_interactions_conversation_seq', columns: ['conversationId', 'seq'], unique: true }],
});

export interface LedgerHeadRow {
  conversationId: string;
  seq: number;
  digest: string;
}

export const LedgerHeadSchema = new EntitySchema<LedgerHeadRow>({
  name: 'LedgerHead',
  tableName: 'ledger_heads',
  columns: {
    conversationId: { type: 'uuid', name: 'conversation_id', primary: true, primaryKeyConstraintName: 'pk_ledger_heads' },
    seq: { type: 'int' },
    digest: { type: 'varchar', length: 64 },
  },
});

export interface InboundReceiptRow {
  channel: string;
  externalId: string;
  interactionId: string;
  receivedAt: Date;
}

export const InboundReceiptSchema = new EntitySchema<InboundReceiptRow>({
  name: 'InboundReceipt',
  tableName: 'inbound_receipts',
  columns: {
    channel: { type: 'varchar', length: 64, primary: true, primaryKeyConstraintName: 'pk_inbound_receipts' },
    externalId: { type: 'text', name: 'external_id', primary: true, primaryKeyConstraintName: 'pk_inbound_receipts' },
    interactionId: { type: 'uuid', name: 'interaction_id' },
    receivedAt: { type: 'timestamptz', name: 'received_at' },
  },
});

export interface DeliveryRow {
  interactionId: string;
  channel: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date | null;
  leaseUntil: Date | null;
  reason: string | null;
  providerMessageId: string | null;
  updatedAt: Date;
}

export const DeliverySchema = new EntitySchema<DeliveryRow>({
  name: 'Delivery',
  tableName: 'deliveries',
  columns: {
    interactionId: { type: 'uuid', name: 'interaction_id', primary: true, primaryKeyConstraintName: 'pk_deliveries' },
    channel: { type: 'varchar', length: 64 },
    status: { type: 'varchar', length: 16 },
    attempts: { type: 'int' },
    nextAttemptAt: { type: 'timestamptz', name: 'next_attempt_at', nullable: true },
    leaseUntil: { type: 'timestamptz', name: 'lease_until', nullable: true },
    reason: { type: 'text', nullable: true },
    providerMessageId: { type: 'text', name: 'provider_message_id', nullable: true },
    updatedAt: { type: 'timestamptz', name: 'updated_at' },
  },
});
