import { InitialSchema1795305600000 } from './1795305600000-initial-schema.migration.js';
import { ConversationsAssigneeIndex1795392000000 } from './1795392000000-conversations-assignee-index.migration.js';
import { ApiKeyAgent1795392100000 } from './1795392100000-api-key-agent.migration.js';
import { ErasableLedger1795410000000 } from './1795410000000-erasable-ledger.migration.js';
import { MessageIdIndex1795440000000 } from './1795440000000-message-id-index.migration.js';
import { PluginState1795460000000 } from './1795460000000-plugin-state.migration.js';

/** Every schema migration, oldest first. TypeORM records applied ones in `schema_migrations`. */
export const migrations = [
  InitialSchema1795305600000,
  ConversationsAssigneeIndex1795392000000,
  ApiKeyAgent1795392100000,
  ErasableLedger1795410000000,
  MessageIdIndex1795440000000,
  PluginState1795460000000,
];
