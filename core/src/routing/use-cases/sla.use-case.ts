import type { Conversation } from '../../ledger/conversation.entity.js';
import type { LedgerSession } from '../../ledger/ports/ledger-store.port.js';
import type { DomainEvent } from '../../shared/events.js';
import { allPages } from '../../shared/page.js';
import type { Clock } from '../../shared/ports/clock.port.js';
import type { OutboxSession } from '../../shared/ports/outbox.port.js';
import type { Transactions } from '../../shared/ports/transactions.port.js';
import type { RoutingSession } from '../ports/routing-store.port.js';
import type { SlaKind, SlaSession, SlaSubject, SlaVerdict } from '../ports/sla-store.port.js';
import type { Queue } from '../queue.entity.js';
import { routingErrors } from '../routing.errors.js';
import { decide, SLA_KINDS, slaStatus, targetSeconds, type SlaStatus } from '../sla.js';

export type SlaStore = Transactions<RoutingSession & LedgerSession & OutboxSession & SlaSession>;

const BATCH = 500;

export const subjectOf = (c: Pick<Conversation, 'id' | 'queueId' | 'createdAt' | 'firstResponseAt' | 'resolvedAt'>): SlaSubject | null =>
  c.queueId === null ? null : { conversationId: c.id, queueId: c.queueId, createdAt: c.createdAt, firstResponseAt: c.firstResponseAt, resolvedAt: c.resolvedAt };

/**
 * The sweep of SLA clocks: records a verdict for every target that became decided (met or
 * breached) and writes `sla.breached` once per breach, in the same transaction as its verdict.
 */
export class CheckSla {
  constructor(
    private readonly store: SlaStore,
    private readonly clock: Clock,
  ) {}

  /** Answers how many breaches it recorded; `more` when a batch was full. */
  async run(): Promise<{ breaches: number; more: boolean }> {
    const queues = await this.store.read((session) => allPages((page) => session.queues.list(page)));
    let breaches = 0;
    let more = false;
    for (const queue of queues) {
      for (const kind of SLA_KINDS) {
        const target = targetSeconds(queue, kind);
        if (target === undefined) continue;
        const result = await this.checkQueue(queue, kind, target);
        breaches += result.breaches;
        more ||= result.more;
      }
    }
    return { breaches, more };
  }

  private checkQueue(queue: Queue, kind: SlaKind, target: number): Promise<{ breaches: number; more: boolean }> {
    return this.store.transaction(async (session) => {
      const now = this.clock.now();
      // Business time never runs faster than wall time: nothing younger than the target can be decided.
      const candidates = await session.sla.undecided(queue.id, kind, new Date(now.getTime() - target * 1000), BATCH);
      const verdicts: SlaVerdict[] = [];
      for (const subject of candidates) {
        const decision = decide(subject, queue, kind, now);
        if (decision) verdicts.push({ conversationId: subject.conversationId, queueId: queue.id, recordedAt: now, ...decision });
      }
      const inserted = await session.sla.recordVerdicts(verdicts);
      const events: DomainEvent[] = inserted
        .filter((v) => !v.met)
        .map((v) => ({ type: 'sla.breached', conversationId: v.conversationId, queueId: v.queueId, kind: v.kind, dueAt: v.dueAt.toISOString() }));
      if (events.length > 0) await session.outbox.add(events);
      return { breaches: events.length, more: candidates.length === BATCH && verdicts.length > 0 };
    });
  }
}

export interface QueueStatsView {
  queueId: string;
  waiting: number;
  offered: number;
  assigned: number;
  oldestWaitSeconds: number | null;
  window: { seconds: number; since: Date };
  /** Within the window: offers made, assignments begun, conversations resolved without an assignment. */
  activity: { offered: number; assigned: number; abandoned: number };
  /** Per target, over verdicts decided within the window; `attainment` is met / decided, `null` when none was decided. */
  sla: Record<SlaKind, { met: number; breached: number; attainment: number | null }>;
}

/** SLA clocks on conversations and queue statistics. */
export class SlaQueries {
  constructor(
    private readonly store: SlaStore,
    private readonly clock: Clock,
  ) {}

  /** The clocks of conversations, by id; conversations without a queue or targets are left out. */
  async clocks(conversations: readonly Conversation[]): Promise<Map<string, SlaStatus>> {
    const queueIds = [...new Set(conversations.flatMap((c) => (c.queueId ? [c.queueId] : [])))];
    if (queueIds.length === 0) return new Map();
    return this.store.read(async (session) => {
      const queues = new Map<string, Queue>();
      for (const id of queueIds) {
        const queue = await session.queues.get(id);
        if (queue) queues.set(id, queue);
      }
      const now = this.clock.now();
      const result = new Map<string, SlaStatus>();
      for (const conversation of conversations) {
        const subject = subjectOf(conversation);
        const queue = subject ? queues.get(subject.queueId) : undefined;
        const status = subject && queue ? slaStatus(subject, queue, now) : null;
        if (status) result.set(conversation.id, status);
      }
      return result;
    });
  }

  async queueStats(queueId: string, windowSeconds: number): Promise<QueueStatsView> {
    return this.store.read(async (session) => {
      if (!(await session.queues.get(queueId))) throw routingErrors.queueNotFound(queueId);
      const now = this.clock.now();
      const since = new Date(now.getTime() - windowSeconds * 1000);
      const counts = await session.workItems.countByQueue(queueId);
      const assigned = await session.assignments.countActiveByQueue(queueId);
      const activity = await session.sla.activity(queueId, since);
      const rows = await session.sla.attainment(queueId, since);
      const sla = Object.fromEntries(
        SLA_KINDS.map((kind) => {
          const row = rows.find((r) => r.kind === kind) ?? { met: 0, breached: 0 };
          const decided = row.met + row.breached;
          return [kind, { met: row.met, breached: row.breached, attainment: decided === 0 ? null : row.met / decided }];
        }),
      ) as QueueStatsView['sla'];
      return {
        queueId,
        waiting: counts.waiting,
        offered: counts.offered,
        assigned,
        oldestWaitSeconds: counts.oldestEnqueuedAt ? Math.round((now.getTime() - counts.oldestEnqueuedAt.getTime()) / 1000) : null,
        window: { seconds: windowSeconds, since },
        activity,
        sla,
      };
    });
  }
}
