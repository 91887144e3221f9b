import type { Agent, Assignment, Offer, Queue, RoutingDecision, WorkItem } from '@switchboard/core';
import type {
  AgentRow,
  AssignmentRow,
  OfferRow,
  QueueRow,
  RoutingDecisionRow,
  WorkItemRow,
} from '../schemas/routing.schema.js';
import { toJsonObject } from './json.mapper.js';

// Rows and entities have the same members here; the copies keep TypeORM's hydrated objects
// (and anything extra a caller put on an entity) out of the domain and out of the database.

export const toQueueRow = (q: Queue): QueueRow => ({
  id: q.id,
  name: q.name,
  skills: q.skills,
  optionalSkills: q.optionalSkills,
  relaxation: q.relaxation,
  strategy: q.strategy,
  sticky: q.sticky,
  cost: q.cost,
  offerTimeoutSeconds: q.offerTimeoutSeconds,
  sla: q.sla,
  overflow: q.overflow,
  aging: q.aging,
  businessHours: q.businessHours,
  createdAt: q.createdAt,
  updatedAt: q.updatedAt,
});

export const toQueue = (r: QueueRow): Queue => ({
  id: r.id,
  name: r.name,
  skills: r.skills,
  optionalSkills: r.optionalSkills ?? {},
  relaxation: r.relaxation ?? null,
  strategy: r.strategy,
  sticky: r.sticky,
  cost: r.cost,
  offerTimeoutSeconds: r.offerTimeoutSeconds,
  sla: r.sla,
  overflow: r.overflow,
  aging: r.aging ?? null,
  businessHours: r.businessHours,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
});

export const toAgentRow = (a: Agent): AgentRow => ({
  id: a.id,
  name: a.name,
  email: a.email,
  skills: a.skills,
  capacity: a.capacity,
  presence: a.presence,
  presenceSince: a.presenceSince,
  desk: a.desk,
  lastOfferAt: a.lastOfferAt,
  createdAt: a.createdAt,
  updatedAt: a.updatedAt,
});

export const toAgent = (r: AgentRow): Agent => ({ ...toAgentRow(r) });

export const toWorkItemRow = (w: WorkItem): WorkItemRow => ({
  conversationId: w.conversationId,
  queueId: w.queueId,
  priority: w.priority,
  channel: w.channel,
  skills: w.skills,
  optionalSkills: w.optionalSkills,
  relaxationStep: w.relaxationStep,
  cost: w.cost,
  state: w.state,
  enqueuedAt: w.enqueuedAt,
  excludedAgents: w.excludedAgents,
  declinedAt: w.declinedAt,
  reasons: w.reasons,
  updatedAt: w.updatedAt,
});

export const toWorkItem = (r: WorkItemRow): WorkItem => ({ ...toWorkItemRow(r) });

export const toOfferRow = (o: Offer): OfferRow => ({
  id: o.id,
  conversationId: o.conversationId,
  agentId: o.agentId,
  queueId: o.queueId,
  channel: o.channel,
  cost: o.cost,
  status: o.status,
  createdAt: o.createdAt,
  expiresAt: o.expiresAt,
  answeredAt: o.answeredAt,
  reason: o.reason,
});

export const toOffer = (r: OfferRow): Offer => ({ ...toOfferRow(r) });

export const toAssignmentRow = (a: Assignment): AssignmentRow => ({
  id: a.id,
  conversationId: a.conversationId,
  agentId: a.agentId,
  queueId: a.queueId,
  channel: a.channel,
  cost: a.cost,
  startedAt: a.startedAt,
  endedAt: a.endedAt,
});

export const toAssignment = (r: AssignmentRow): Assignment => ({ ...toAssignmentRow(r) });

export const toRoutingDecisionRow = (d: RoutingDecision): RoutingDecisionRow => ({
  id: d.id,
  conversationId: d.conversationId,
  queueId: d.queueId,
  at: d.at,
  outcome: d.outcome,
  agentId: d.agentId,
  detail: d.detail,
  rule: d.rule ?? null,
  candidates: d.candidates ?? null,
});

export const toRoutingDecision = (r: RoutingDecisionRow): RoutingDecision => ({ ...toRoutingDecisionRow(r) });
