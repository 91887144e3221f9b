import type { ApiKeyRepository } from '../../access/ports/api-key-store.port.js';
import type { CustomerRepository, IdentityRepository } from '../../identity/ports/customer-store.port.js';
import type {
  ConversationRepository,
  DeliveryRepository,
  InboundReceiptRepository,
  InteractionRepository,
} from '../../ledger/ports/ledger-store.port.js';
import type {
  AgentRepository,
  AssignmentRepository,
  OfferRepository,
  QueueRepository,
  RoutingDecisionRepository,
  WorkItemRepository,
} from '../../routing/ports/routing-store.port.js';
import type { DomainEvent, OutboxEvent } from '../events.js';
import type { Health } from '../health.js';

export interface OutboxRepository {
  add(events: readonly DomainEvent[]): Promise<void>;
  /** Oldest first; inside a transaction the rows are locked and skipped by other relays. */
  claimUndispatched(limit: number): Promise<OutboxEvent[]>;
  markDispatched(ids: readonly string[], at: Date): Promise<void>;
  /** Whether any event waits to be dispatched: one cheap read, for relays that poll. */
  hasUndispatched(): Promise<boolean>;
}

/**
 * Everything a use case reads and writes, bound to one database session.
 * Inside `Store.transaction` all of it commits or rolls back together.
 */
export interface StoreSession {
  /**
   * Takes an exclusive lock on `key` held until the transaction ends (Postgres advisory lock).
   * Use cases lock in a fixed order: identity, customer, queue, conversation, agent (inbound
   * receipts are row locks, taken by `receipts.claimMany` right after the identity locks).
   *
   * The lock covers every later read and write of the session: a store may send it together with
   * the next statement rather than at once, so decide nothing before a read that follows it.
   */
  lock(key: string): Promise<void>;
  /** `lock` for many keys in one round trip; taken in sorted order, so two callers never deadlock on them. */
  lockAll(keys: readonly string[]): Promise<void>;
  readonly customers: CustomerRepository;
  readonly identities: IdentityRepository;
  readonly conversations: ConversationRepository;
  readonly interactions: InteractionRepository;
  readonly receipts: InboundReceiptRepository;
  readonly deliveries: DeliveryRepository;
  readonly queues: QueueRepository;
  readonly agents: AgentRepository;
  readonly workItems: WorkItemRepository;
  readonly offers: OfferRepository;
  readonly assignments: AssignmentRepository;
  readonly decisions: RoutingDecisionRepository;
  readonly outbox: OutboxRepository;
  readonly apiKeys: ApiKeyRepository;
}

/** The storage port: PostgreSQL in production, an embedded engine by default. */
export interface Store {
  /** Runs `work` in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(work: (session: StoreSession) => Promise<T>): Promise<T>;
  /** Runs reads without a transaction. */
  read<T>(work: (session: StoreSession) => Promise<T>): Promise<T>;
  /** Applies pending schema migrations. */
  migrate(): Promise<void>;
  health(): Promise<Health>;
  close(): Promise<void>;
}
export const Store = Symbol.for('switchboard.Store');
