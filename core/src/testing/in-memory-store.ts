import type { Health } from '../shared/health.js';
import type { Store, StoreSession } from '../store/store.port.js';
import { InMemoryApiKeyRepository } from './in-memory/access.js';
import { InMemoryPluginStateRepository } from './in-memory/plugin-state.js';
import { InMemoryCrmLogRepository } from './in-memory/crm-log.js';
import { InMemoryDeliveryRepository } from './in-memory/delivery.js';
import { InMemoryDeskOfferRepository } from './in-memory/desk-offers.js';
import { InMemoryCustomerMergeRepository, InMemoryCustomerRepository, InMemoryIdentityRepository, InMemoryMergeSuggestionRepository } from './in-memory/identity.js';
import { InMemoryConversationRepository, InMemoryInboundReceiptRepository, InMemoryInteractionRepository, InMemoryLedgerHeadRepository } from './in-memory/ledger.js';
import { InMemoryOutboxRepository } from './in-memory/outbox.js';
import {
  InMemoryAgentRepository,
  InMemoryAssignmentRepository,
  InMemoryOfferRepository,
  InMemoryQueueRepository,
  InMemoryRoutingDecisionRepository,
  InMemoryRoutingRuleRepository,
  InMemoryWorkItemRepository,
} from './in-memory/routing.js';
import { InMemoryEventLogRepository } from './in-memory/event-log.js';
import { InMemorySlaRepository } from './in-memory/sla.js';
import { InMemoryWebhookRepository } from './in-memory/webhooks.js';
import { InMemoryLegacyMapRepository, InMemoryMigrationRunRepository, InMemoryMigrationSourceRepository } from './in-memory/migration.js';
import { InMemoryPortabilityRepository } from './in-memory/portability.js';
import { InMemoryReportingRepository } from './in-memory/reports.js';
import { emptyTables, openDb, type Db, type Tables } from './in-memory/tables.js';

/** Whether a statement of the session may run: a transaction whose statement failed refuses the rest, as PostgreSQL does. */
interface SessionState {
  readonly inTransaction: boolean;
  aborted: unknown;
  open: boolean;
}

/** Wraps every method of `repository` so that a failed call aborts the transaction and a finished session refuses calls. */
const guarded = <R extends object>(repository: R, state: SessionState): R =>
  new Proxy(repository, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (!state.open) throw new Error('the session has ended: its transaction committed or rolled back');
        if (state.aborted !== undefined) throw new Error('current transaction is aborted, commands ignored until end of transaction block', { cause: state.aborted });
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } catch (error) {
          // Outside a transaction each statement stands alone: a failed one does not poison the next.
          if (state.inTransaction) state.aborted = error;
          throw error;
        }
      };
    },
  });

/**
 * The Store port in memory, for unit tests of use cases and as a reference adapter of the store
 * contract. Transactions run one at a time (a FIFO mutex), which makes `lock`/`lockAll` trivially
 * held; each buffers its writes over the committed rows until it commits, so nobody sees them
 * before and a rollback leaves nothing. Reads outside a transaction see committed rows only, and
 * writes outside one apply at once (autocommit). Values are copied in and out. A transaction
 * opened inside another one's work would wait for it forever, as on PGlite's single connection.
 */
export class InMemoryStore implements Store {
  private readonly tables: Tables = emptyTables();
  private queue: Promise<void> = Promise.resolve();
  private seq = 0;
  private logSeq = 0;
  private failureSeq = 0;
  private crmSeq = 0;
  private closed = false;

  async transaction<T>(work: (session: StoreSession) => Promise<T>): Promise<T> {
    this.ensureOpen();
    const previous = this.queue;
    let release: () => void = () => {};
    this.queue = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    try {
      this.ensureOpen();
      const db = openDb(this.tables, true);
      const state: SessionState = { inTransaction: true, aborted: undefined, open: true };
      try {
        const result = await work(this.session(db, state));
        // PostgreSQL answers COMMIT of an aborted transaction with a silent ROLLBACK; a test had
        // better hear of it.
        if (state.aborted !== undefined) throw new Error('the transaction was aborted by a failed statement and is rolled back', { cause: state.aborted });
        db.commit();
        return result;
      } finally {
        state.open = false;
      }
    } finally {
      release();
    }
  }

  async read<T>(work: (session: StoreSession) => Promise<T>): Promise<T> {
    this.ensureOpen();
    const state: SessionState = { inTransaction: false, aborted: undefined, open: true };
    try {
      return await work(this.session(openDb(this.tables, false), state));
    } finally {
      state.open = false;
    }
  }

  async migrate(): Promise<void> {
    this.ensureOpen();
  }

  async health(): Promise<Health> {
    return this.closed ? { status: 'down', detail: 'the store is closed' } : { status: 'up' };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private ensureOpen(): void {
    if (this.closed) throw new Error('the store is closed');
  }

  private session(db: Db, state: SessionState): StoreSession {
    const guard = <R extends object>(repository: R): R => guarded(repository, state);
    return {
      // Transactions already run one at a time: every lock is held from the start.
      lock: async () => {},
      lockAll: async () => {},
      customers: guard(new InMemoryCustomerRepository(db)),
      identities: guard(new InMemoryIdentityRepository(db)),
      mergeSuggestions: guard(new InMemoryMergeSuggestionRepository(db)),
      merges: guard(new InMemoryCustomerMergeRepository(db)),
      conversations: guard(new InMemoryConversationRepository(db)),
      interactions: guard(new InMemoryInteractionRepository(db)),
      heads: guard(new InMemoryLedgerHeadRepository(db)),
      receipts: guard(new InMemoryInboundReceiptRepository(db)),
      deliveries: guard(new InMemoryDeliveryRepository(db)),
      queues: guard(new InMemoryQueueRepository(db)),
      agents: guard(new InMemoryAgentRepository(db)),
      workItems: guard(new InMemoryWorkItemRepository(db)),
      offers: guard(new InMemoryOfferRepository(db)),
      assignments: guard(new InMemoryAssignmentRepository(db)),
      decisions: guard(new InMemoryRoutingDecisionRepository(db)),
      routingRules: guard(new InMemoryRoutingRuleRepository(db)),
      outbox: guard(new InMemoryOutboxRepository(db, () => (this.seq += 1))),
      apiKeys: guard(new InMemoryApiKeyRepository(db)),
      sla: guard(new InMemorySlaRepository(db)),
      eventLog: guard(new InMemoryEventLogRepository(db, () => (this.logSeq += 1))),
      pluginState: guard(new InMemoryPluginStateRepository(db)),
      webhooks: guard(new InMemoryWebhookRepository(db)),
      migrationRuns: guard(new InMemoryMigrationRunRepository(db, () => (this.failureSeq += 1))),
      legacyMap: guard(new InMemoryLegacyMapRepository(db)),
      migrationSources: guard(new InMemoryMigrationSourceRepository(db)),
      crmLog: guard(new InMemoryCrmLogRepository(db, () => (this.crmSeq += 1))),
      portability: guard(new InMemoryPortabilityRepository(db)),
      deskOffers: guard(new InMemoryDeskOfferRepository(db)),
      reports: guard(new InMemoryReportingRepository(db)),
    };
  }
}
