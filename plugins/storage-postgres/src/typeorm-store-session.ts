import type { StoreSession } from '@switchboard/core';
import type { EntityManager } from 'typeorm';
import { execute } from './statement-batch.js';
import { TypeormApiKeyRepository } from './repositories/typeorm-api-key-store.js';
import { TypeormCustomerMergeRepository, TypeormCustomerRepository, TypeormIdentityRepository, TypeormMergeSuggestionRepository } from './repositories/typeorm-customer-store.js';
import {
  TypeormConversationRepository,
  TypeormDeliveryRepository,
  TypeormInboundReceiptRepository,
  TypeormInteractionRepository,
  TypeormLedgerHeadRepository,
} from './repositories/typeorm-ledger-store.js';
import { TypeormOutboxRepository } from './repositories/typeorm-outbox.js';
import { TypeormSlaRepository } from './repositories/typeorm-sla-store.js';
import { TypeormEventLogRepository } from './repositories/typeorm-event-log.js';
import { TypeormPluginStateRepository } from './repositories/typeorm-plugin-state-store.js';
import { TypeormWebhookRepository } from './repositories/typeorm-webhook-store.js';
import { TypeormRoutingRuleRepository } from './repositories/typeorm-routing-rule-store.js';
import { TypeormLegacyMapRepository, TypeormMigrationRunRepository, TypeormMigrationSourceRepository } from './repositories/typeorm-migration-store.js';
import { TypeormCrmLogRepository } from './repositories/typeorm-crm-log.js';
import { TypeormPortabilityRepository } from './repositories/typeorm-portability-store.js';
import { TypeormDeskOfferRepository } from './repositories/typeorm-desk-offer-store.js';
import { TypeormReportingRepository } from './repositories/typeorm-reports.js';
import {
  TypeormAgentRepository,
  TypeormAssignmentRepository,
  TypeormOfferRepository,
  TypeormQueueRepository,
  TypeormRoutingDecisionRepository,
  TypeormWorkItemRepository,
} from './repositories/typeorm-routing-store.js';

/**
 * Every repository bound to one EntityManager, i.e. one connection: with PGlite there is only one,
 * so nothing in a session may reach for another (it would wait for this one forever).
 */
export const createStoreSession = (manager: EntityManager, inTransaction: boolean): StoreSession => ({
  async lock(key: string): Promise<void> {
    // Advisory locks taken outside a transaction would be released at once: a read session has none.
    if (!inTransaction) return;
    await execute(manager, 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [key]);
  },
  async lockAll(keys: readonly string[]): Promise<void> {
    if (!inTransaction || keys.length === 0) return;
    // Sorted and without repeats, so two transactions locking overlapping sets never deadlock;
    // unnest yields the rows, and so takes the locks, in array order.
    const sorted = [...new Set(keys)].sort();
    // count() answers one row however many keys (the locks are still taken row by row, in order).
    await execute(manager, 'SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0))) FROM unnest($1::text[]) AS k', [sorted]);
  },
  customers: new TypeormCustomerRepository(manager),
  identities: new TypeormIdentityRepository(manager),
  mergeSuggestions: new TypeormMergeSuggestionRepository(manager),
  merges: new TypeormCustomerMergeRepository(manager),
  conversations: new TypeormConversationRepository(manager),
  interactions: new TypeormInteractionRepository(manager),
  heads: new TypeormLedgerHeadRepository(manager),
  receipts: new TypeormInboundReceiptRepository(manager),
  deliveries: new TypeormDeliveryRepository(manager),
  queues: new TypeormQueueRepository(manager),
  agents: new TypeormAgentRepository(manager),
  workItems: new TypeormWorkItemRepository(manager),
  offers: new TypeormOfferRepository(manager),
  assignments: new TypeormAssignmentRepository(manager),
  decisions: new TypeormRoutingDecisionRepository(manager),
  routingRules: new TypeormRoutingRuleRepository(manager),
  outbox: new TypeormOutboxRepository(manager, inTransaction),
  apiKeys: new TypeormApiKeyRepository(manager),
  sla: new TypeormSlaRepository(manager),
  eventLog: new TypeormEventLogRepository(manager),
  pluginState: new TypeormPluginStateRepository(manager),
  webhooks: new TypeormWebhookRepository(manager),
  migrationRuns: new TypeormMigrationRunRepository(manager),
  legacyMap: new TypeormLegacyMapRepository(manager),
  migrationSources: new TypeormMigrationSourceRepository(manager),
  crmLog: new TypeormCrmLogRepository(manager),
  portability: new TypeormPortabilityRepository(manager),
  deskOffers: new TypeormDeskOfferRepository(manager),
  reports: new TypeormReportingRepository(manager),
});
