import type { CrmLogEntry, CrmLogStatus } from '../crm-log.entity.js';

/** The CRM sync's own log: one row per (CRM instance, ledger entry), ids only (no personal data). */
export interface CrmLogRepository {
  /** Adds the entries not there yet, in the order given (which `open` keeps); answers how many it added. */
  addMany(entries: readonly CrmLogEntry[]): Promise<number>;
  /** Entries of these customers that are `pending` or `sending`, in the order they were added. */
  open(instanceId: string, customerIds: readonly string[], limit: number): Promise<CrmLogEntry[]>;
  /**
   * Takes an open entry for one attempt: `sending`, one more attempt, leased until `leaseUntil` —
   * only if no other worker holds a lease on it now. Answers the entry as taken, or null.
   */
  claim(instanceId: string, interactionId: string, now: Date, leaseUntil: Date): Promise<CrmLogEntry | null>;
  /** Extends the lease of the attempt that took the entry (`attempts` as taken) while it still holds it; answers whether it did. */
  renew(instanceId: string, interactionId: string, attempts: number, leaseUntil: Date): Promise<boolean>;
  update(entry: CrmLogEntry): Promise<void>;
  /** Customers (as recorded) with open entries whose lease is over, oldest entry first. */
  customersWithOpen(instanceId: string, now: Date, limit: number): Promise<string[]>;
  /** How many entries of these customers are in each status. */
  counts(instanceId: string, customerIds: readonly string[]): Promise<Record<CrmLogStatus, number>>;
  /** Entries in a status (newest change first), for the API's view of failures. */
  listByStatus(instanceId: string, status: CrmLogStatus, limit: number): Promise<CrmLogEntry[]>;
  /** Moves the entries of these customers from one status to another (erasure: open → skipped; a backfill: unmatched → pending); answers how many. */
  /**
   * An operator's retry: dead entries of one instance (these, or all when null) are open again, as
   * `sending` with no lease and no attempts counted, so the next attempt first looks in the CRM for
   * what an earlier one may have made. Answers how many.
   */
  retryDead(instanceId: string, interactionIds: readonly string[] | null, at: Date): Promise<number>;
  setStatusFor(instanceId: string | null, customerIds: readonly string[], from: readonly CrmLogStatus[], to: CrmLogStatus, at: Date, reason: string | null): Promise<number>;
}

export interface CrmSession {
  readonly crmLog: CrmLogRepository;
}
