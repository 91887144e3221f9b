/**
 * Where one ledger entry stands on one CRM instance's timeline. `pending`: to log; `sending`: a
 * call was made whose answer we may not have seen (a crash or timeout), so the next attempt looks
 * in the CRM first; `logged`: done (`activityId`); `unmatched`: the customer has no CRM contact
 * (a backfill or a link tries again); `dead`: given up, `lastError` says why; `skipped`: nothing
 * to log (erased, or the instance does not log interactions).
 */
export type CrmLogStatus = 'pending' | 'sending' | 'logged' | 'unmatched' | 'dead' | 'skipped';
export const CRM_LOG_STATUSES: readonly CrmLogStatus[] = ['pending', 'sending', 'logged', 'unmatched', 'dead', 'skipped'];

/** `entry`: a message or note; `summary`: the status entry that resolved a conversation, logged as its summary. */
export type CrmLogKind = 'entry' | 'summary';

export interface CrmLogEntry {
  instanceId: string;
  interactionId: string;
  /** The customer the entry was recorded for (the ledger's); logging follows merges to the survivor. */
  customerId: string;
  conversationId: string;
  kind: CrmLogKind;
  status: CrmLogStatus;
  attempts: number;
  /** While a worker is logging the entry; another takes it only after this. */
  leaseUntil: Date | null;
  contactId: string | null;
  activityId: string | null;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A new row for an entry to log: nothing tried yet. */
export const newCrmLogEntry = (
  fields: Pick<CrmLogEntry, 'instanceId' | 'interactionId' | 'customerId' | 'conversationId' | 'kind'> & { status?: 'pending' | 'sending' },
  now: Date,
): CrmLogEntry => ({ status: 'pending', ...fields, attempts: 0, leaseUntil: null, contactId: null, activityId: null, lastError: null, createdAt: now, updatedAt: now });

/** Entries still to log (`pending`, or `sending` and not leased now). */
export const isOpenCrmStatus = (status: CrmLogStatus): boolean => status === 'pending' || status === 'sending';
