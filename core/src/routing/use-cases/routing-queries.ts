import type { Conversation } from '../../ledger/conversation.entity.js';
import { ledgerErrors } from '../../ledger/ledger.errors.js';
import type { LedgerSession } from '../../ledger/ports/ledger-store.port.js';
import type { Page, PageRequest } from '../../shared/page.js';
import type { Clock } from '../../shared/ports/clock.port.js';
import type { Transactions } from '../../shared/ports/transactions.port.js';
import type { Agent } from '../agent.entity.js';
import { outsideHoursReason } from '../business-hours.js';
import { eligibleFor } from '../eligibility.js';
import type { Offer, OfferStatus, RoutingDecision } from '../offer.entity.js';
import type { RoutingSession } from '../ports/routing-store.port.js';
import type { Queue } from '../queue.entity.js';
import { routingErrors } from '../routing.errors.js';
import { relaxationReason, relaxedNeeds } from '../relaxation.js';
import type { WorkItem } from '../work-item.entity.js';

export interface RoutingExplanation {
  conversationId: string;
  status: Conversation['status'];
  waiting: WorkItem | null;
  reasons: WorkItem['reasons'];
  /** For a waiting item of a queue with relaxation: the step reached, what it widened, when the next is due. */
  relaxation: { step: number; of: number; widened: string[]; skills: Record<string, number>; nextStepAt: string | null } | null;
  decisions: RoutingDecision[];
}

export interface QueueStats {
  queueId: string;
  waiting: number;
  offered: number;
  assigned: number;
  oldestWaitSeconds: number | null;
}

/** Reads of queues, agents, offers and the routing explainer: no writes, no transactions. */
export class RoutingQueries {
  constructor(
    private readonly store: Transactions<RoutingSession & LedgerSession>,
    private readonly clock: Clock,
  ) {}

  /** Why a conversation waits, computed from the agents as they are now, and the decisions recorded for it. */
  async routing(conversationId: string): Promise<RoutingExplanation> {
    return this.store.read(async (session) => {
      const conversation = await session.conversations.get(conversationId);
      if (!conversation) throw ledgerErrors.conversationNotFound(conversationId);
      const item = await session.workItems.get(conversationId);
      let reasons: WorkItem['reasons'] = [];
      let relaxation: RoutingExplanation['relaxation'] = null;
      const now = this.clock.now();
      const queue = item?.state === 'waiting' ? await session.queues.get(item.queueId) : null;
      const closed = item?.state === 'waiting' ? outsideHoursReason(queue?.businessHours ?? null, now) : null;
      if (closed) reasons = [closed];
      else if (item?.state === 'waiting') {
        const steps = queue?.relaxation ?? null;
        const others = new Map<string, Queue>();
        for (const id of new Set((steps ?? []).flatMap((s) => s.alsoQueues ?? []))) {
          const other = await session.queues.get(id);
          if (other) others.set(id, other);
        }
        const needs = relaxedNeeds(item, steps, others, now);
        const agents = await session.agents.listByPresence('available');
        const loads = await session.assignments.loads(agents.map((a) => a.id));
        const wanted = { ...item, skills: needs.skills, alternatives: needs.alternatives };
        reasons = eligibleFor(wanted, agents.map((agent) => ({ agent, load: loads.get(agent.id) ?? { units: 0, perChannel: {} } }))).reasons;
        // Someone is eligible now but no pass has reached the item yet: the last pass's reason stands.
        if (reasons.length === 0) reasons = item.reasons.filter((r) => r.code !== 'relaxation_step');
        const relaxed = relaxationReason(needs, steps);
        if (relaxed) reasons = [...reasons, relaxed];
        if (steps && steps.length > 0) {
          relaxation = { step: needs.step, of: steps.length, widened: needs.widened, skills: needs.skills, nextStepAt: needs.nextAt?.toISOString() ?? null };
        }
      }
      return { conversationId, status: conversation.status, waiting: item, reasons, relaxation, decisions: await session.decisions.listByConversation(conversationId) };
    });
  }

  /** Queues by name. */
  async queues(page: PageRequest): Promise<Page<Queue>> {
    return this.store.read((session) => session.queues.list(page));
  }

  async queue(id: string): Promise<Queue> {
    return this.store.read(async (session) => {
      const queue = await session.queues.get(id);
      if (!queue) throw routingErrors.queueNotFound(id);
      return queue;
    });
  }

  async queueStats(id: string): Promise<QueueStats> {
    return this.store.read(async (session) => {
      if (!(await session.queues.get(id))) throw routingErrors.queueNotFound(id);
      const counts = await session.workItems.countByQueue(id);
      const assigned = await session.assignments.countActiveByQueue(id);
      const oldest = counts.oldestEnqueuedAt ? Math.round((this.clock.now().getTime() - counts.oldestEnqueuedAt.getTime()) / 1000) : null;
      return { queueId: id, waiting: counts.waiting, offered: counts.offered, assigned, oldestWaitSeconds: oldest };
    });
  }

  /** Agents by name. */
  async agents(page: PageRequest): Promise<Page<Agent>> {
    return this.store.read((session) => session.agents.list(page));
  }

  async agent(id: string): Promise<Agent> {
    return this.store.read(async (session) => {
      const agent = await session.agents.get(id);
      if (!agent) throw routingErrors.agentNotFound(id);
      return agent;
    });
  }

  /** An agent's offers, newest first; `status` undefined means every status. */
  async offers(agentId: string, status: OfferStatus | undefined, page: PageRequest): Promise<Page<Offer>> {
    return this.store.read(async (session) => {
      if (!(await session.agents.get(agentId))) throw routingErrors.agentNotFound(agentId);
      return session.offers.listByAgent(agentId, status, page);
    });
  }
}
