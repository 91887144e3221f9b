import { ApiKeySchema } from './api-key.schema.js';
import { CustomerMergeSchema, CustomerSchema, IdentitySchema, MergeSuggestionSchema } from './identity.schema.js';
import { ConversationSchema, DeliverySchema, InboundReceiptSchema, InteractionSchema, LedgerHeadSchema } from './ledger.schema.js';
import { OutboxEventSchema } from './outbox.schema.js';
import { PluginStateSchema } from './plugin-state.schema.js';
import {
  AgentSchema,
  AssignmentSchema,
  OfferSchema,
  QueueSchema,
  RoutingDecisionSchema,
  RoutingRuleSchema,
  WorkItemSchema,
} from './routing.schema.js';

// The hand-written migrations are the schema's source of truth; these schemas map columns to rows.
// Never point `synchronize` or `migration:generate` at them: they would drop the partial and
// descending indexes (and the append-only trigger's intent) that TypeORM cannot express.
export const entitySchemas = [
  CustomerSchema,
  IdentitySchema,
  MergeSuggestionSchema,
  CustomerMergeSchema,
  ConversationSchema,
  InteractionSchema,
  LedgerHeadSchema,
  InboundReceiptSchema,
  DeliverySchema,
  QueueSchema,
  AgentSchema,
  WorkItemSchema,
  OfferSchema,
  AssignmentSchema,
  RoutingDecisionSchema,
  RoutingRuleSchema,
  OutboxEventSchema,
  ApiKeySchema,
  PluginStateSchema,
];
