import type { QueueActivity, SlaKind, SlaRepository, SlaSubject, SlaVerdict } from '../../routing/ports/sla-store.port.js';
import { byText, byTime, copy } from './rows.js';
import { pairKey, type Db } from './tables.js';

export class InMemorySlaRepository implements SlaRepository {
  constructor(private readonly db: Db) {}

  async undecided(queueId: string, kind: SlaKind, createdBefore: Date, limit: number): Promise<SlaSubject[]> {
    return this.db.conversations
      .values()
      .filter((c) => c.queueId === queueId && c.createdAt <= createdBefore && !this.db.slaVerdicts.has(pairKey(c.id, kind)))
      .sort((a, b) => byTime(a.createdAt, b.createdAt) || byText(a.id, b.id))
      .slice(0, limit)
      .map((c) => ({ conversationId: c.id, queueId, createdAt: c.createdAt, firstResponseAt: c.firstResponseAt, resolvedAt: c.resolvedAt }));
  }

  async recordVerdicts(verdicts: readonly SlaVerdict[]): Promise<SlaVerdict[]> {
    const inserted: SlaVerdict[] = [];
    for (const verdict of verdicts) {
      const key = pairKey(verdict.conversationId, verdict.kind);
      if (this.db.slaVerdicts.has(key)) continue;
      this.db.slaVerdicts.set(key, copy(verdict));
      inserted.push(copy(verdict));
    }
    return inserted;
  }

  async verdicts(conversationId: string): Promise<SlaVerdict[]> {
    return this.db.slaVerdicts
      .values()
      .filter((v) => v.conversationId === conversationId)
      .sort((a, b) => byText(a.kind, b.kind))
      .map(copy);
  }

  async attainment(queueId: string, since: Date): Promise<{ kind: SlaKind; met: number; breached: number }[]> {
    const rows = new Map<SlaKind, { kind: SlaKind; met: number; breached: number }>();
    for (const v of this.db.slaVerdicts.values()) {
      if (v.queueId !== queueId || v.decidedAt < since) continue;
      const row = rows.get(v.kind) ?? { kind: v.kind, met: 0, breached: 0 };
      if (v.met) row.met += 1;
      else row.breached += 1;
      rows.set(v.kind, row);
    }
    return [...rows.values()].sort((a, b) => byText(a.kind, b.kind));
  }

  async activity(queueId: string, since: Date): Promise<QueueActivity> {
    const everAssigned = new Set(this.db.assignments.values().map((a) => a.conversationId));
    return {
      offered: this.db.offers.values().filter((o) => o.queueId === queueId && o.createdAt >= since).length,
      assigned: this.db.assignments.values().filter((a) => a.queueId === queueId && a.startedAt >= since).length,
      abandoned: this.db.conversations
        .values()
        .filter((c) => c.queueId === queueId && c.resolvedAt !== null && c.resolvedAt >= since && !everAssigned.has(c.id)).length,
    };
  }
}
