import type { Delivery } from '../../delivery/delivery.entity.js';
import type { Customer, Identity } from '../../identity/customer.entity.js';
import type { CustomerMerge } from '../../identity/customer-merge.entity.js';
import type { MergeSuggestion } from '../../identity/merge-suggestion.entity.js';
import type { Conversation } from '../../ledger/conversation.entity.js';
import type { Interaction } from '../../ledger/interaction.entity.js';
import type { InboundReceipt } from '../../ledger/ports/ledger-store.port.js';
import type { Agent } from '../../routing/agent.entity.js';
import type { Assignment, Offer, RoutingDecision } from '../../routing/offer.entity.js';
import type { SlaVerdict } from '../../routing/ports/sla-store.port.js';
import type { Queue } from '../../routing/queue.entity.js';
import type { WorkItem } from '../../routing/work-item.entity.js';
import type { RoutingRule } from '../../routing/routing-rule.entity.js';
import type { CrmLogEntry } from '../../crm/crm-log.entity.js';
import type { LegacyMapping } from '../../migration/migration-run.entity.js';

/**
 * The tables a hub export carries, by record type, with the domain row each holds. Plugin state,
 * API keys, the outbox and the event log are deliberately absent: they are not the hub's data
 * (or are secrets) and a restored hub starts them afresh.
 */
export interface PortableRows {
  customer: Customer;
  identity: Identity;
  customer_merge: CustomerMerge;
  merge_suggestion: MergeSuggestion;
  queue: Queue;
  routing_rule: RoutingRule;
  agent: Agent;
  conversation: Conversation;
  interaction: Interaction;
  inbound_receipt: InboundReceipt;
  delivery: Delivery;
  work_item: WorkItem;
  offer: Offer;
  assignment: Assignment;
  routing_decision: RoutingDecision;
  sla_verdict: SlaVerdict;
  /** What a migration made of each legacy record: a re-run after a restore recognises what is already in. */
  legacy_mapping: LegacyMapping;
  /** Where each entry stands on each CRM instance, with the order entries are logged in (`position`). */
  crm_log_entry: CrmLogEntry & { position: number };
}
export type PortableTable = keyof PortableRows;

/**
 * The key each table is walked by (its primary key, as properties of the row): adapters order
 * and page by exactly these, ascending. Interactions go by conversation, then `seq`, so each chain
 * is written oldest first.
 */
export const PORTABLE_KEYS = {
  customer: ['id'],
  identity: ['kind', 'value'],
  customer_merge: ['id'],
  merge_suggestion: ['id'],
  queue: ['id'],
  routing_rule: ['id'],
  agent: ['id'],
  conversation: ['id'],
  interaction: ['conversationId', 'seq'],
  inbound_receipt: ['channel', 'externalId'],
  delivery: ['interactionId'],
  work_item: ['conversationId'],
  offer: ['id'],
  assignment: ['id'],
  routing_decision: ['id'],
  sla_verdict: ['conversationId', 'kind'],
  legacy_mapping: ['externalId'],
  crm_log_entry: ['position'],
} as const satisfies { [T in PortableTable]: readonly (keyof PortableRows[T] & string)[] };

/** A row's key: the values of its table's `PORTABLE_KEYS`, in order (texts, uuids, whole numbers). */
export type RowKey = readonly (string | number)[];

export const rowKey = <T extends PortableTable>(table: T, row: PortableRows[T]): RowKey =>
  (PORTABLE_KEYS[table] as readonly string[]).map((property) => (row as unknown as Record<string, string | number>)[property]!);

/**
 * Whole-table access for export and restore. Each adapter pages by the key in its own order (uuids
 * and numbers ascending; texts as the store collates them, so that SQL stores walk their primary
 * key index): restore never depends on the order of rows across engines.
 */
export interface PortabilityRepository {
  count(table: PortableTable): Promise<number>;
  /** At most `limit` rows whose key comes after `after` (null: from the first), by key ascending. */
  pageAfter<T extends PortableTable>(table: T, after: RowKey | null, limit: number): Promise<PortableRows[T][]>;
  /**
   * Inserts rows exactly as given: ids, times, sequence numbers, digests and erasure tombstones.
   * Interactions advance the hub-wide anchor of chain heads as every append does; CRM log rows keep
   * their `position`, and entries added later come after them; a key already taken fails the statement.
   */
  insertMany<T extends PortableTable>(table: T, rows: readonly PortableRows[T][]): Promise<void>;
  /** Deletes a queue by id (a restore replaces an unused queue of the same name, such as the built-in `default`). */
  deleteQueue(id: string): Promise<void>;
}

export interface PortabilitySession {
  readonly portability: PortabilityRepository;
}
