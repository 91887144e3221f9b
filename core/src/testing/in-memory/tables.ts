import type { ApiKey } from '../../access/api-key.entity.js';
import type { Delivery } from '../../delivery/delivery.entity.js';
import type { Customer, Identity } from '../../identity/customer.entity.js';
import type { CustomerMerge } from '../../identity/customer-merge.entity.js';
import type { MergeSuggestion } from '../../identity/merge-suggestion.entity.js';
import type { Conversation } from '../../ledger/conversation.entity.js';
import type { Interaction } from '../../ledger/interaction.entity.js';
import type { InboundReceipt, LedgerHead } from '../../ledger/ports/ledger-store.port.js';
import type { Agent } from '../../routing/agent.entity.js';
import type { Assignment, Offer, RoutingDecision } from '../../routing/offer.entity.js';
import type { SlaVerdict } from '../../routing/ports/sla-store.port.js';
import type { Queue } from '../../routing/queue.entity.js';
import type { RoutingRule } from '../../routing/routing-rule.entity.js';
import type { WorkItem } from '../../routing/work-item.entity.js';
import type { LoggedEvent } from '../../events/ports/event-log.port.js';
import type { OutboxEvent } from '../../shared/events.js';
import type { PluginStateEntry } from '../../shared/ports/plugin-state.port.js';
import type { WebhookAttempt, WebhookSubscription } from '../../webhooks/webhook-subscription.entity.js';
import type { LegacyMapping, MigrationFailure, MigrationRun, MigrationSourceState } from '../../migration/migration-run.entity.js';
import type { CrmLogEntry } from '../../crm/crm-log.entity.js';
import { Rows } from './rows.js';

/** An outbox row: the event and the order it was added in (the SQL stores use time-ordered ids). */
export interface StoredOutboxEvent extends OutboxEvent {
  seq: number;
}

/** A migration failure row and the order it was added in. */
export interface StoredMigrationFailure extends MigrationFailure {
  runId: string;
  seq: number;
}

/** The committed rows of every table, by primary key. */
export interface Tables {
  customers: Map<string, Customer>;
  /** Keyed `kind\0value`. */
  identities: Map<string, Identity>;
  mergeSuggestions: Map<string, MergeSuggestion>;
  merges: Map<string, CustomerMerge>;
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
  routingRules: Map<string, RoutingRule>;
  /** One row, keyed `version`. */
  routingRuleVersion: Map<string, number>;
  outbox: Map<string, StoredOutboxEvent>;
  apiKeys: Map<string, ApiKey>;
  /** Keyed `conversationId\0kind`. */
  slaVerdicts: Map<string, SlaVerdict>;
  /** Keyed by the outbox event id. */
  eventLog: Map<string, LoggedEvent>;
  /** Keyed `instanceId\0key`. */
  pluginState: Map<string, PluginStateEntry>;
  webhooks: Map<string, WebhookSubscription>;
  webhookAttempts: Map<string, WebhookAttempt>;
  migrationRuns: Map<string, MigrationRun>;
  /** Keyed by the zero-padded sequence number. */
  migrationFailures: Map<string, StoredMigrationFailure>;
  /** Keyed by the legacy external id. */
  legacyMap: Map<string, LegacyMapping>;
  migrationSources: Map<string, MigrationSourceState>;
  /** Keyed `instanceId\0interactionId`; `position` orders them as added. */
  crmLog: Map<string, CrmLogEntry & { position: number }>;
}

/** The tables as one session sees them. */
export type Db = { readonly [K in keyof Tables]: Tables[K] extends Map<string, infer V> ? Rows<V> : never };

export const emptyTables = (): Tables => ({
  customers: new Map(),
  identities: new Map(),
  mergeSuggestions: new Map(),
  merges: new Map(),
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
  routingRules: new Map(),
  routingRuleVersion: new Map(),
  outbox: new Map(),
  apiKeys: new Map(),
  slaVerdicts: new Map(),
  eventLog: new Map(),
  pluginState: new Map(),
  webhooks: new Map(),
  webhookAttempts: new Map(),
  migrationRuns: new Map(),
  migrationFailures: new Map(),
  legacyMap: new Map(),
  migrationSources: new Map(),
  crmLog: new Map(),
});

/** A session's view of `tables`: buffered in a transaction (see `Rows`), written through outside one. */
export const openDb = (tables: Tables, buffered: boolean): Db & { commit(): void } => {
  const db = {
    customers: new Rows(tables.customers, buffered),
    identities: new Rows(tables.identities, buffered),
    mergeSuggestions: new Rows(tables.mergeSuggestions, buffered),
    merges: new Rows(tables.merges, buffered),
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
    routingRules: new Rows(tables.routingRules, buffered),
    routingRuleVersion: new Rows(tables.routingRuleVersion, buffered),
    outbox: new Rows(tables.outbox, buffered),
    apiKeys: new Rows(tables.apiKeys, buffered),
    slaVerdicts: new Rows(tables.slaVerdicts, buffered),
    eventLog: new Rows(tables.eventLog, buffered),
    pluginState: new Rows(tables.pluginState, buffered),
    webhooks: new Rows(tables.webhooks, buffered),
    webhookAttempts: new Rows(tables.webhookAttempts, buffered),
    migrationRuns: new Rows(tables.migrationRuns, buffered),
    migrationFailures: new Rows(tables.migrationFailures, buffered),
    legacyMap: new Rows(tables.legacyMap, buffered),
    migrationSources: new Rows(tables.migrationSources, buffered),
    crmLog: new Rows(tables.crmLog, buffered),
  };
  return {
    ...db,
    commit() {
      for (const rows of Object.values(db)) rows.commit();
    },
  };
};

export const pairKey = (a: string, b: string): string => `${a}\u0000${b}`;
