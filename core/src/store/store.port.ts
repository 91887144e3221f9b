import type { CrmSession } from '../crm/ports/crm-log-store.port.js';
import type { AccessSession } from '../access/ports/api-key-store.port.js';
import type { DeliverySession } from '../delivery/ports/delivery-store.port.js';
import type { EventLogSession } from '../events/ports/event-log.port.js';
import type { IdentitySession } from '../identity/ports/identity-store.port.js';
import type { LedgerSession } from '../ledger/ports/ledger-store.port.js';
import type { MigrationSession } from '../migration/ports/migration-store.port.js';
import type { PortabilitySession } from '../portability/ports/portability-store.port.js';
import type { ReportingSession } from '../reporting/ports/reporting-store.port.js';
import type { RoutingSession } from '../routing/ports/routing-store.port.js';
import type { SlaSession } from '../routing/ports/sla-store.port.js';
import type { Health } from '../shared/health.js';
import type { OutboxSession } from '../shared/ports/outbox.port.js';
import type { PluginStateSession } from '../shared/ports/plugin-state.port.js';
import type { SessionLocks, Transactions } from '../shared/ports/transactions.port.js';
import type { WebhookSession } from '../webhooks/ports/webhook-store.port.js';

/**
 * Everything the core reads and writes, bound to one database session: the session ports each
 * area declares, assembled. Inside `Store.transaction` all of it commits or rolls back together.
 *
 * Use cases lock in a fixed order (see `lockKeys`): identity, then the inbound receipt rows (taken
 * by `receipts.claimMany` right after the identity locks), customer, queue, conversation, agent.
 */
export interface StoreSession extends SessionLocks, IdentitySession, LedgerSession, RoutingSession, DeliverySession, OutboxSession, AccessSession, PluginStateSession, SlaSession, EventLogSession, MigrationSession, CrmSession, PortabilitySession, WebhookSession, ReportingSession {}

/** The storage port: PostgreSQL in production, an embedded engine by default. */
export interface Store extends Transactions<StoreSession> {
  /**
   * Runs `work` on one read-only snapshot of the whole store: every read inside sees the same
   * committed state, however long it runs (PostgreSQL: a REPEATABLE READ, READ ONLY transaction on
   * a connection of its own). For reads that must agree across many statements, such as an export.
   * Absent where holding a snapshot would hold up every writer (PGlite's single connection).
   */
  snapshot?<T>(work: (session: StoreSession) => Promise<T>): Promise<T>;
  /** Applies pending schema migrations. */
  migrate(): Promise<void>;
  health(): Promise<Health>;
  close(): Promise<void>;
}
export const Store = Symbol.for('switchboard.Store');
