import { InitialSchema1795305600000 } from './1795305600000-initial-schema.migration.js';
import { ConversationsAssigneeIndex1795392000000 } from './1795392000000-conversations-assignee-index.migration.js';
import { ApiKeyAgent1795392100000 } from './1795392100000-api-key-agent.migration.js';
import { ChannelHops1795400000000 } from './1795400000000-channel-hops.migration.js';
import { MergeSuggestions1795400100000 } from './1795400100000-merge-suggestions.migration.js';
import { ErasableLedger1795410000000 } from './1795410000000-erasable-ledger.migration.js';
import { WorkItemDeclinedAt1795420000000 } from './1795420000000-work-item-declined-at.migration.js';
import { QueueAging1795420100000 } from './1795420100000-queue-aging.migration.js';
import { RoutingDecisionCandidates1795420200000 } from './1795420200000-routing-decision-candidates.migration.js';
import { SlaVerdicts1795430000000 } from './1795430000000-sla-verdicts.migration.js';
import { EventLog1795430100000 } from './1795430100000-event-log.migration.js';
import { MessageIdIndex1795440000000 } from './1795440000000-message-id-index.migration.js';
import { PluginState1795460000000 } from './1795460000000-plugin-state.migration.js';
import { Webhooks1795530000000 } from './1795530000000-webhooks.migration.js';
import { MigrationRuns1795500000000 } from './1795500000000-migration-runs.migration.js';
import { RoutingRules1795520000000 } from './1795520000000-routing-rules.migration.js';
import { CrmLog1795540000000 } from './1795540000000-crm-log.migration.js';
import { CustomerViewFunction1795550000000 } from './1795550000000-customer-view-function.migration.js';
import { SearchIndexedPrefix1795560000000 } from './1795560000000-search-indexed-prefix.migration.js';
import { QueuesBumpRoutingVersion1795600000000 } from './1795600000000-queues-bump-routing-version.migration.js';

/** Every schema migration, oldest first. TypeORM records applied ones in `schema_migrations`. */
export const migrations = [
  InitialSchema1795305600000,
  ConversationsAssigneeIndex1795392000000,
  ApiKeyAgent1795392100000,
  ChannelHops1795400000000,
  MergeSuggestions1795400100000,
  ErasableLedger1795410000000,
  WorkItemDeclinedAt1795420000000,
  QueueAging1795420100000,
  RoutingDecisionCandidates1795420200000,
  SlaVerdicts1795430000000,
  EventLog1795430100000,
  MessageIdIndex1795440000000,
  PluginState1795460000000,
  MigrationRuns1795500000000,
  RoutingRules1795520000000,
  Webhooks1795530000000,
  CrmLog1795540000000,
  CustomerViewFunction1795550000000,
  SearchIndexedPrefix1795560000000,
  QueuesBumpRoutingVersion1795600000000,
];
