import { CRM_LOG_STATUSES, isOpenCrmStatus, type CrmLogEntry, type CrmLogStatus } from '../../crm/crm-log.entity.js';
import type { ClaimedCrmLogEntry, CrmLogClaim, CrmLogRepository } from '../../crm/ports/crm-log-store.port.js';
import { copy } from './rows.js';
import type { Db } from './tables.js';

const rowKey = (instanceId: string, interactionId: string): string => `${instanceId}\0${interactionId}`;
const strip = ({ position: _position, ...entry }: CrmLogEntry & { position: number }): CrmLogEntry => copy(entry);
const leaseOver = (entry: CrmLogEntry, now: Date) => entry.leaseUntil === null || entry.leaseUntil.getTime() <= now.getTime();

export class InMemoryCrmLogRepository implements CrmLogRepository {
  constructor(
    private readonly db: Db,
    private readonly nextPosition: () => number,
  ) {}

  async addMany(entries: readonly CrmLogEntry[]): Promise<number> {
    let added = 0;
    for (const entry of entries) {
      const key = rowKey(entry.instanceId, entry.interactionId);
      if (this.db.crmLog.has(key)) continue;
      // After a restore the table holds positions it did not hand out: new entries come after them.
      this.db.crmLog.set(key, { ...copy(entry), position: Math.max(this.nextPosition(), this.lastPosition() + 1) });
      added += 1;
    }
    return added;
  }

  private lastPosition(): number {
    let last = 0;
    for (const e of this.db.crmLog.values()) last = Math.max(last, e.position);
    return last;
  }

  private ordered(instanceId: string, where: (e: CrmLogEntry) => boolean) {
    return this.db.crmLog
      .values()
      .filter((e) => e.instanceId === instanceId && where(e))
      .sort((a, b) => a.position - b.position);
  }

  async open(instanceId: string, customerIds: readonly string[], limit: number): Promise<CrmLogEntry[]> {
    const ids = new Set(customerIds);
    return this.ordered(instanceId, (e) => ids.has(e.customerId) && isOpenCrmStatus(e.status)).slice(0, limit).map(strip);
  }

  async claimNext(instanceId: string, customerIds: readonly string[], limit: number, now: Date, leaseUntil: Date): Promise<CrmLogClaim> {
    const ids = new Set(customerIds);
    const claimed: ClaimedCrmLogEntry[] = [];
    for (const row of this.ordered(instanceId, (e) => ids.has(e.customerId) && isOpenCrmStatus(e.status))) {
      if (claimed.length >= limit) break;
      if (!leaseOver(row, now)) return { claimed, held: true };
      const taken = { ...copy(row), status: 'sending' as const, attempts: row.attempts + 1, leaseUntil, updatedAt: now };
      this.db.crmLog.set(rowKey(instanceId, row.interactionId), taken);
      claimed.push({ entry: strip(taken), previous: { status: row.status, attempts: row.attempts } });
    }
    return { claimed, held: false };
  }

  async renew(instanceId: string, held: readonly { interactionId: string; attempts: number }[], leaseUntil: Date): Promise<number> {
    let renewed = 0;
    for (const { interactionId, attempts } of held) {
      const key = rowKey(instanceId, interactionId);
      const row = this.db.crmLog.get(key);
      if (!row || row.status !== 'sending' || row.attempts !== attempts) continue;
      this.db.crmLog.set(key, { ...copy(row), leaseUntil });
      renewed += 1;
    }
    return renewed;
  }

  async updateMany(entries: readonly CrmLogEntry[]): Promise<void> {
    for (const entry of entries) {
      const key = rowKey(entry.instanceId, entry.interactionId);
      const row = this.db.crmLog.get(key);
      if (row) this.db.crmLog.set(key, { ...copy(entry), position: row.position });
    }
  }

  async customersWithOpen(instanceId: string, now: Date, limit: number): Promise<string[]> {
    const customers = this.ordered(instanceId, (e) => isOpenCrmStatus(e.status) && leaseOver(e, now)).map((e) => e.customerId);
    return [...new Set(customers)].slice(0, limit);
  }

  async counts(instanceId: string, customerIds: readonly string[]): Promise<Record<CrmLogStatus, number>> {
    const ids = new Set(customerIds);
    const counts = Object.fromEntries(CRM_LOG_STATUSES.map((s) => [s, 0])) as Record<CrmLogStatus, number>;
    for (const e of this.ordered(instanceId, (row) => ids.has(row.customerId))) counts[e.status] += 1;
    return counts;
  }

  async listByStatus(instanceId: string, status: CrmLogStatus, limit: number): Promise<CrmLogEntry[]> {
    return this.ordered(instanceId, (e) => e.status === status)
      .sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime() || b.position - a.position)
      .slice(0, limit)
      .map(strip);
  }

  async retryDead(instanceId: string, interactionIds: readonly string[] | null, at: Date): Promise<number> {
    const only = interactionIds === null ? null : new Set(interactionIds);
    let changed = 0;
    for (const row of this.db.crmLog.values()) {
      if (row.instanceId !== instanceId || row.status !== 'dead' || (only !== null && !only.has(row.interactionId))) continue;
      this.db.crmLog.set(rowKey(row.instanceId, row.interactionId), { ...copy(row), status: 'sending', attempts: 0, leaseUntil: null, lastError: null, updatedAt: at });
      changed += 1;
    }
    return changed;
  }

  async setStatusFor(instanceId: string | null, customerIds: readonly string[], from: readonly CrmLogStatus[], to: CrmLogStatus, at: Date, reason: string | null): Promise<number> {
    const ids = new Set(customerIds);
    let changed = 0;
    for (const row of this.db.crmLog.values()) {
      if ((instanceId !== null && row.instanceId !== instanceId) || !ids.has(row.customerId) || !from.includes(row.status)) continue;
      this.db.crmLog.set(rowKey(row.instanceId, row.interactionId), { ...copy(row), status: to, leaseUntil: null, lastError: reason, updatedAt: at });
      changed += 1;
    }
    return changed;
  }
}
