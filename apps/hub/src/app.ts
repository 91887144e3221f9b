import type {
  Clock,
  CrmQueries,
  ReportQueries,
  CustomerQueries,
  DeskCommands,
  DeskRegistry,
  DeskQueries,
  EraseCustomer,
  IngestPort,
  LedgerQueries,
  Logger,
  ManageMigrations,
  ManageCustomers,
  ManageApiKeys,
  ManageRouting,
  ManageRoutingRules,
  PluginHttpRoute,
  ResyncRequest,
  ResyncResult,
  RoutingQueries,
  SlaQueries,
  FollowEvents,
  ManageWebhooks,
  ManageDeadLetters,
  Store,
} from '@switchboard/core';
import { authenticate } from './http/auth.js';
import { bodyLimitMiddleware, createRouter } from './http/openapi-router.js';
import { createErrorHandler, notFoundHandler } from './http/problem.js';
import type { PluginHealthReport, PluginTestResult } from './plugins/plugin-supervisor.js';
import { agentRoutes } from './routes/agents/agents.routes.js';
import { apiKeyRoutes } from './routes/api-keys/api-keys.routes.js';
import { conversationRoutes } from './routes/conversations/conversations.routes.js';
import { customerIdentityRoutes } from './routes/customers/customer-identity.routes.js';
import { customerRoutes } from './routes/customers/customers.routes.js';
import { docsRoutes, openApiDocumentRoute } from './routes/docs/docs.routes.js';
import { healthRouteDocs } from './routes/health/health.routes.js';
import { inboundRoutes } from './routes/inbound/inbound.routes.js';
import { ledgerRoutes } from './routes/ledger/ledger.routes.js';
import { offerRoutes } from './routes/offers/offers.routes.js';
import { pluginHttpRoutes } from './routes/plugins/plugin-http.routes.js';
import { pluginRoutes } from './routes/plugins/plugins.routes.js';
import { queueRoutes } from './routes/queues/queues.routes.js';
import { routingRuleRoutes } from './routes/routing-rules/routing-rules.routes.js';
import { searchRoutes } from './routes/search/search.routes.js';
import { reportRoutes } from './routes/reports/reports.routes.js';
import { eventRoutes, eventsRouteDoc } from './routes/events/events.routes.js';
import { webhookRoutes } from './routes/webhooks/webhooks.routes.js';
import { deadLetterRoutes } from './routes/dead-letters/dead-letters.routes.js';
import { migrationRoutes } from './routes/migrations/migrations.routes.js';
import { crmRoutes } from './routes/crm/crm.routes.js';
import { exportRouteDoc, exportRoutes } from './routes/export/export.routes.js';
import { HUB_VERSION } from './version.js';

export interface AppDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  ingest: IngestPort;
  /** What agents do: the same commands desk plugins call. */
  desk: DeskCommands;
  deskReads: DeskQueries;
  customers: CustomerQueries;
  /** Links, merges and merge suggestions. */
  manageCustomers: ManageCustomers;
  ledger: LedgerQueries;
  /** Data-subject erasure (admin). */
  erasure: EraseCustomer;
  /** The CRM sync's reads (customer 360's `crm`, the CRM log); absent in tests that build the app without one. */
  crm?: { queries: CrmQueries } | undefined;
  /** Cross-channel reports over the ledger. */
  reports: ReportQueries;
  routing: ManageRouting;
  routingRules: ManageRoutingRules;
  routingReads: RoutingQueries;
  sla: SlaQueries;
  events: FollowEvents;
  /** Outbound webhook subscriptions (admin). */
  webhooks: ManageWebhooks;
  /** Jobs that exhausted their attempts (admin). */
  deadLetters: ManageDeadLetters;
  apiKeys: ManageApiKeys;
  /** Migration runs from legacy sources, cutover, and what the hub knows of each source. */
  migrations: ManageMigrations;
  bodyLimit: number;
  pluginHealth(): Promise<PluginHealthReport[]>;
  /** Runs an instance's connection test; undefined for an unknown instance id. */
  testPlugin(id: string): Promise<PluginTestResult | undefined>;
  resyncPlugin(id: string, request: ResyncRequest): Promise<ResyncResult | undefined>;
  pluginRoutes: ReadonlyMap<string, readonly PluginHttpRoute[]>;
  /** The desk plugin instances: binding suggestions by email. */
  desks?: DeskRegistry;
  /** Called after every successful API write, so committed outbox events are relayed at once (plugins' ingests relay through the ingest port). */
  afterWrite(): void;
}

const DOCUMENT_TAGS = [
  { name: 'inbound', description: 'Messages from any channel into the ledger' },
  { name: 'customers', description: 'Customers, their identities and timelines' },
  { name: 'conversations', description: 'Conversations, agent actions and the routing explainer' },
  { name: 'search', description: 'Full-text search over the ledger' },
  { name: 'reports', description: 'Cross-channel reporting over the ledger' },
  { name: 'ledger', description: 'Whole-ledger integrity' },
  { name: 'queues', description: 'Queues and their statistics' },
  { name: 'routing-rules', description: 'Which queue, priority and skills an inbound conversation gets; first match wins' },
  { name: 'events', description: 'The stream of committed domain events' },
  { name: 'webhooks', description: 'Outbound webhook subscriptions to domain events, signed per Standard Webhooks (admin)' },
  { name: 'agents', description: 'Agents, presence and offers' },
  { name: 'offers', description: 'Answers to offers' },
  { name: 'plugins', description: 'Installed plugin instances' },
  { name: 'dead-letters', description: 'Jobs that exhausted their attempts: list, retry, discard (admin)' },
  { name: 'migrations', description: 'Migration runs from legacy sources and their reconciliation reports' },
  { name: 'api-keys', description: 'API keys (admin)' },
  { name: 'export', description: 'The whole hub as JSON Lines, to move or keep it (admin)' },
  { name: 'health', description: 'Liveness, readiness and metrics; no API key' },
  { name: 'docs', description: 'This document and its browsable form; no API key' },
  { name: 'plugin endpoints', description: 'Endpoints plugins serve at /plugins/{instanceId}; each authenticates its own callers' },
];

/** The public HTTP API as one Hono app; tests call `app.request()` on it without a server. */
export const createApp = (deps: AppDeps) => {
  const app = createRouter();
  app.onError(createErrorHandler(deps.logger));
  app.notFound(notFoundHandler);

  app.use('/v1/*', bodyLimitMiddleware(deps.bodyLimit));
  app.use('/v1/*', authenticate(deps.apiKeys));
  app.use('/v1/*', async (c, next) => {
    await next();
    if (c.req.method !== 'GET' && c.res.status < 400) deps.afterWrite();
  });

  app.route('/v1/inbound', inboundRoutes(deps));
  // The writes first: their `/merge-suggestions` paths must not be read as a customer id.
  app.route('/v1/customers', customerIdentityRoutes(deps));
  app.route('/v1/customers', customerRoutes(deps));
  app.route('/v1/conversations', conversationRoutes(deps));
  app.route('/v1/search', searchRoutes(deps));
  app.route('/v1/reports', reportRoutes(deps));
  app.route('/v1/ledger', ledgerRoutes(deps));
  app.route('/v1/queues', queueRoutes(deps));
  app.route('/v1/routing-rules', routingRuleRoutes(deps));
  app.route('/v1/events', eventRoutes(deps));
  app.route('/v1/webhooks', webhookRoutes(deps));
  app.route('/v1/dead-letters', deadLetterRoutes(deps));
  app.route('/v1/agents', agentRoutes(deps));
  app.route('/v1/offers', offerRoutes(deps));
  app.route('/v1/plugins', pluginRoutes(deps));
  app.route('/v1/migrations', migrationRoutes(deps));
  if (deps.crm) app.route('/v1/crm', crmRoutes({ crm: deps.crm, clock: deps.clock }));
  app.route('/v1/api-keys', apiKeyRoutes(deps));
  app.route('/v1/export', exportRoutes({ ...deps, hubVersion: HUB_VERSION }));
  app.route('/plugins', pluginHttpRoutes(deps.pluginRoutes));
  app.route('/docs', docsRoutes());

  // Served here or beside this app (health, metrics), but not through app.openapi(): described by hand.
  for (const route of [openApiDocumentRoute, eventsRouteDoc, exportRouteDoc, ...healthRouteDocs]) app.openAPIRegistry.registerPath(route);
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <api key>' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'metricsKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'Authorization: Bearer <SWITCHBOARD_METRICS_KEY>, only when the hub is configured with one',
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Switchboard API',
      version: HUB_VERSION,
      description: 'Customer identity, one interaction ledger, one universal queue with routing. Every /v1 route needs `Authorization: Bearer <api key>`.',
    },
    // Relative: the hub answers on whatever origin this document was fetched from (proxies included).
    servers: [{ url: '/', description: 'This hub' }],
    security: [{ apiKey: [] }],
    tags: DOCUMENT_TAGS,
  });
  return app;
};
