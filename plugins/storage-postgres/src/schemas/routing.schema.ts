import type {
  AgentCapacity,
  OfferStatus,
  Presence,
  Queue,
  QueueCost,
  RankedCandidate,
  RoutingDecision,
  RoutingRule,
  RoutingStrategy,
  WaitReason,
  WorkItem,
} from '@switchboard/core';
import { EntitySchema } from 'typeorm';
import type { JsonObject } from '../mappers/json.mapper.js';

export interface QueueRow {
  id: string;
  name: string;
  skills: Record<string, number>;
  optionalSkills: Record<string, number>;
  relaxation: Queue['relaxation'];
  strategy: RoutingStrategy;
  sticky: Queue['sticky'];
  cost: QueueCost;
  offerTimeoutSeconds: number;
  sla: Queue['sla'];
  overflow: Queue['overflow'];
  aging: Queue['aging'];
  businessHours: Queue['businessHours'];
  createdAt: Date;
  updatedAt: Date;
}

export const QueueSchema = new EntitySchema<QueueRow>({
  name: 'Queue',
  tableName: 'queues',
  columns: {
    id: { type: 'uuid', primary: true, primaryKeyConstraintName: 'pk_queues' },
    name: { type: 'varchar', length: 200 },
    skills: { type: 'jsonb' },
    optionalSkills: { type: 'jsonb', name: 'optional_skills' },
    relaxation: { type: 'jsonb', nullable: true },
    strategy: { type: 'varchar', length: 32 },
    sticky: { type: 'jsonb', nullable: true },
    cost: { type: 'jsonb' },
    offerTimeoutSeconds: { type: 'int', name: 'offer_timeout_seconds' },
    sla: { type: 'jsonb', nullable: true },
    overflow: { type: 'jsonb', nullable: true },
    aging: { type: 'jsonb', nullable: true },
    businessHours: { type: 'jsonb', name: 'business_hours', nullable: true },
    createdAt: { type: 'timestamptz', name: 'created_at' },
    updatedAt: { type: 'timestamptz', name: 'updated_at' },
  },
  uniques: [{ name: 'uq_queues_name', columns: ['name'] }],
});

export interface AgentRow {
  id: string;
  name: string;
  email: string | null;
  skills: Record<string, number>;
  capacity: AgentCapacity;
  presence: Presence;
  presenceSince: Date;
  desk: { slack?: string | undefined; teams?: string | undefined };
  lastOfferAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export const AgentSchema = new EntitySchema<AgentRow>({
  name: 'Agent',
  tableName: 'agents',
  columns: {
    id: { type: 'uuid', primary: true, primaryKeyConstraintName: 'pk_agents' },
    name: { type: 'varchar', length: 200 },
    email: { type: 'varchar', length: 320, nullable: true },
    skills: { type: 'jsonb' },
    capacity: { type: 'jsonb' },
    presence: { type: 'varchar', length: 16 },
    presenceSince: { type: 'timestamptz', name: 'presence_since' },
    desk: { type: 'jsonb' },
    lastOfferAt: { type: 'timestamptz', name: 'last_offer_at', nullable: true },
    createdAt: { type: 'timestamptz', name: 'created_at' },
    updatedAt: { type: 'timestamptz', name: 'updated_at' },
  },
  indices: [{ name: 'ix_agents_presence', columns: ['presence', 'name'] }],
});

export interface WorkItemRow {
  conversationId: string;
  queueId: string;
  priority: number;
  channel: string;
  skills: Record<string, number>;
  optionalSkills: Record<string, number>;
  relaxationStep: number;
  cost: number;
  state: WorkItem['state'];
  enqueuedAt: Date;
  excludedAgents: string[];
  declinedAt: Date | null;
  reasons: WaitReason[];
  updatedAt: Date;
}

export const WorkItemSchema = new EntitySchema<WorkItemRow>({
  name: 'WorkItem',
  tableName: 'work_items',
  columns: {
    conversationId: { type: 'uuid', name: 'conversation_id', primary: true, primaryKeyConstraintName: 'pk_work_items' },
    queueId: { type: 'uuid', name: 'queue_id' },
    priority: { type: 'int' },
    channel: { type: 'varchar', length: 64 },
    skills: { type: 'jsonb' },
    optionalSkills: { type: 'jsonb', name: 'optional_skills' },
    relaxationStep: { type: 'int', name: 'relaxation_step' },
    cost: { type: 'int' },
    state: { type: 'varchar', length: 16 },
    enqueuedAt: { type: 'timestamptz', name: 'enqueued_at' },
    excludedAgents: { type: 'jsonb', name: 'excluded_agents' },
    declinedAt: { type: 'timestamptz', name: 'declined_at', nullable: true },
    reasons: { type: 'jsonb' },
    updatedAt: { type: 'timestamptz', name: 'updated_at' },
  },
});

export interface OfferRow {
  id: string;
  conversationId: string;
  agentId: string;
  queueId: string;
  channel: string;
  cost: number;
  status: OfferStatus;
  createdAt: Date;
  expiresAt: Date;
  answeredAt: Date | null;
  reason: string | null;
}

export const OfferSchema = new EntitySchema<OfferRow>({
  name: 'Offer',
  tableName: 'offers',
  columns: {
    id: { type: 'uuid', primary: true, primaryKeyConstraintName: 'pk_offers' },
    conversationId: { type: 'uuid', name: 'conversation_id' },
    agentId: { type: 'uuid', name: 'agent_id' },
    queueId: { type: 'uuid', name: 'queue_id' },
    channel: { type: 'varchar', length: 64 },
    cost: { type: 'int' },
    status: { type: 'varchar', length: 16 },
    createdAt: { type: 'timestamptz', name: 'created_at' },
    expiresAt: { type: 'timestamptz', name: 'expires_at' },
    answeredAt: { type: 'timestamptz', name: 'answered_at', nullable: true },
    reason: { type: 'text', nullable: true },
  },
  indices: [
    { name: 'ix_offers_status_expires', columns: ['status', 'expiresAt'] },
    { name: 'ix_offers_conversation_status', columns: ['conversationId', 'status'] },
  ],
});

export interface AssignmentRow {
  id: string;
  conversationId: string;
  agentId: string;
  queueId: string | null;
  channel: string;
  cost: number;
  startedAt: Date;
  endedAt: Date | null;
}

export const AssignmentSchema = new EntitySchema<AssignmentRow>({
  name: 'Assignment',
  tableName: 'assignments',
  columns: {
    id: { type: 'uuid', primary: true, primaryKeyConstraintName: 'pk_assignments' },
    conversationId: { type: 'uuid', name: 'conversation_id' },
    agentId: { type: 'uuid', name: 'agent_id' },
    queueId: { type: 'uuid', name: 'queue_id', nullable: true },
    channel: { type: 'varchar', length: 64 },
    cost: { type: 'int' },
    startedAt: { type: 'timestamptz', name: 'started_at' },
    endedAt: { type: 'timestamptz', name: 'ended_at', nullable: true },
  },
});

export interface RoutingDecisionRow {
  id: string;
  conversationId: string;
  queueId: string | null;
  at: Date;
  outcome: RoutingDecision['outcome'];
  agentId: string | null;
  detail: string;
  rule: string | null;
  candidates: RankedCandidate[] | null;
}

export const RoutingDecisionSchema = new EntitySchema<RoutingDecisionRow>({
  name: 'RoutingDecision',
  tableName: 'routing_decisions',
  columns: {
    id: { type: 'uuid', primary: true, primaryKeyConstraintName: 'pk_routing_decisions' },
    conversationId: { type: 'uuid', name: 'conversation_id' },
    queueId: { type: 'uuid', name: 'queue_id', nullable: true },
    at: { type: 'timestamptz' },
    outcome: { type: 'varchar', length: 16 },
    agentId: { type: 'uuid', name: 'agent_id', nullable: true },
    detail: { type: 'text' },
    rule: { type: 'varchar', length: 64, nullable: true },
    candidates: { type: 'jsonb', nullable: true },
  },
  indices: [{ name: 'ix_routing_decisions_conversation', columns: ['conversationId', 'at', 'id'] }],
});

export interface RoutingRuleRow {
  id: string;
  name: string;
  position: number;
  enabled: boolean;
  match: RoutingRule['match'];
  actions: RoutingRule['actions'];
  createdAt: Date;
  updatedAt: Date;
}

export const RoutingRuleSchema = new EntitySchema<RoutingRuleRow>({
  name: 'RoutingRule',
  tableName: 'routing_rules',
  columns: {
    id: { type: 'uuid', primary: true, primaryKeyConstraintName: 'pk_routing_rules' },
    name: { type: 'varchar', length: 200 },
    position: { type: 'int' },
    enabled: { type: 'boolean' },
    match: { type: 'jsonb' },
    actions: { type: 'jsonb' },
    createdAt: { type: 'timestamptz', name: 'created_at' },
    updatedAt: { type: 'timestamptz', name: 'updated_at' },
  },
});
