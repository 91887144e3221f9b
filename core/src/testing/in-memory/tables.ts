import type { ApiKey } from '../../access/api-key.entity.js';
import type { Delivery } from '../../delivery/delivery.entity.js';
import type { Customer, Identity } from '../../identity/customer.entity.js';
import type { Conversation } from '../../ledger/conversation.entity.js';
import type { Interaction } from '../../ledger/interaction.entity.js';
import type { InboundReceipt, LedgerHead } from '../../ledger/ports/ledger-store.port.js';
import type { Agent } from '../../routing/agent.entity.js';
import type { Assignment, Offer, RoutingDecision } from '../../routing/offer.entity.js';
import type { Queue } from '../../routing/queue.entity.js';
import type { WorkItem } from '../../routing/work-item.entity.js';
import type { OutboxEvent } from '../../shared/events.js';
import type { PluginStateEntry } from '../../shared/ports/plugin-state.port.js';
import { Rows } from './rows.js';

/** An outbox row: the event and the order it was added in (the SQL stores use time-ordered ids). */
export interface StoredOutboxEvent extends OutboxEvent {
  seq: number;
}

/** The committed rows of every table, by primary key. */
export interface Tables {
  customers: Map<string, Customer>;
  /** Keyed `kind\0value`. */
  identities: Map<string, Identity>;
  conversations: Map<string, Conversation>;
  interactions: Map<string, Interaction>;
  /** The hub-wide anchor, keyed by conversation id. */
  heads: Map<string, LedgerHead>;
  /** Keyed `channel\0externalId`. */
  receipts: Map<string, InboundReceipt>;
  deliveries: Map<string, Delivery>;
  queues: Map<string, Queue>;
  agents: Map<string, Agent>;
  /** Keyed by conversation id. */
  workItems: Map<string, WorkItem>;
  offers: Map<string, Offer>;
  assignments: Map<string, Assignment>;
  decisions: Map<string, RoutingDecision>;
  outbox: Map<string, StoredOutboxEvent>;
  apiKeys: Map<string, ApiKey>;
  /** Keyed `instanceId\0key`. */
  pluginState: Map<string, PluginStateEntry>;
}

/** The tables as one session sees them. */
export type Db = { readonly [K in keyof Tables]: Tables[K] extends Map<string, infer V> ? Rows<V> : never };

export const emptyTables = (): Tables => ({
  customers: new Map(),
  identities: new Map(),
  conversations: new Map(),
  interactions: new Map(),
  heads: new Map(),
  receipts: new Map(),
  deliveries: new Map(),
  queues: new Map(),
  agents: new Map(),
  workItems: new Map(),
  offers: new Map(),
  assignments: new Map(),
  decisions: new Map(),
  outbox: new Map(),
  apiKeys: new Map(),
  pluginState: new Map(),
});

/** A session's view of `tables`: buffered in a transaction (see `Rows`), written through outside one. */
export const openDb = (tables: Tables, buffered: boolean): Db & { commit(): void } => {
  const db = {
    customers: new Rows(tables.customers, buffered),
    identities: new Rows(tables.identities, buffered),
    conversations: new Rows(tables.conversations, buffered),
    interactions: new Rows(tables.interactions, buffered),
    heads: new Rows(tables.heads, buffered),
    receipts: new Rows(tables.receipts, buffered),
    deliveries: new Rows(tables.deliveries, buffered),
    queues: new Rows(tables.queues, buffered),
    agents: new Rows(tables.agents, buffered),
    workItems: new Rows(tables.workItems, buffered),
    offers: new Rows(tables.offers, buffered),
    assignments: new Rows(tables.assignments, buffered),
    decisions: new Rows(tables.decisions, buffered),
    outbox: new Rows(tables.outbox, buffered),
    apiKeys: new Rows(tables.apiKeys, buffered),
    pluginState: new Rows(tables.pluginState, buffered),
  };
  return {
    ...db,
    commit() {
      for (const rows of Object.values(db)) rows.commit();
    },
  };
};

export const pairKey = (a: string, b: string): string => `${a}\u0000${b}`;
