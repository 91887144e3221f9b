import type { LedgerSession } from '../../ledger/ports/ledger-store.port.js';
import type { OutboxSession } from '../../shared/ports/outbox.port.js';
import type { SessionLocks, Transactions } from '../../shared/ports/transactions.port.js';
import type { RoutingSession } from './routing-store.port.js';

/** What routing reads and writes in one session: its own repositories, the ledger it builds on, the outbox. */
export type RoutingUnit = RoutingSession & LedgerSession & OutboxSession & SessionLocks;
/** The store as routing sees it; any `Store` is one. */
export type RoutingStore = Transactions<RoutingSession & LedgerSession & OutboxSession>;
