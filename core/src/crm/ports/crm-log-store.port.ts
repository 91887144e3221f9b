import type { CrmLogEntry, CrmLogStatus } from '../crm-log.entity.js';

/** An entry `claimNext` took, with what it was before: `sending` or attempts made mean an earlier attempt may have logged it. */
export interface ClaimedCrmLogEntry {
  entry: CrmLogEntry;
  previous: Pick<CrmLogEntry, 'status' | 'attempts'>;
}

export interface CrmLogClaim {
  claimed: ClaimedCrmLogEntry[];
  /** An open entry leased by another attempt (or backing off) stopped the page. */
  held: boolean;
}

/** The CRM sync's own log: one row per (CRM instance, ledger entry), ids only (no personal data). */
export interface CrmLogRepository {
  /** Adds the entries not there yet, in the order given (which `open` keeps); answers how many it added. */
  addMany(entries: readonly CrmLogEntry[]): Promise<number>;
  /** Entries of these customers that are `pending` or `sending`, in the order they were added. */
  open(instanceId: string, customerIds: readonly string[], limit: number): Promise<CrmLogEntry[]>;
  /**
   * Takes the next open entries of these customers for one attempt each, in the order `open`
   * answers, at most `limit`: each `sending`, one more attempt, leased until `leaseUntil`. Stops
   * before the first open entry whose lease is not over (another attempt holds it, or it waits out
   * a backoff), so no entry is ever taken ahead of an earlier one; two transactions at once never
   * take the same entry, nor one an entry past another's. Answers the entries as taken, each with the
   * status and attempts it had before, and `held`: whether such a leased entry stopped the page.
   */
  claimNext(instanceId: string, customerIds: readonly string[], limit: number, now: Date, leaseUntil: Date): Promise<CrmLogClaim>;
  /** Extends the leases of the attempts that took these entries (`attempts` as taken) while they still hold them; answers how many it extended. */
  renew(instanceId: string, held: readonly { interactionId: string; attempts: number }[], leaseUntil: Date): Promise<number>;
  /** Writes these entries as given (found by instance and interaction id; their place in the order stays); an entry not stored changes nothing. */
  updateMany(entries: readonly CrmLogEntry[]): Promise<void>;
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
