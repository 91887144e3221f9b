import { join } from 'node:path';
import {
  ComposedDeskReads,
  CustomerQueries,
  DeskCommands,
  DeskQueries,
  EraseCustomer,
  DomainError,
  IngestInbound,
  LedgerQueries,
  ManageMigrations,
  ManageCustomers,
  ManageApiKeys,
  ManageRouting,
  ManageRoutingRules,
  MarkDeliveryFailed,
  RelayOutbox,
  RoutingQueries,
  SlaQueries,
  ReportQueries,
  FollowEvents,
  ManageWebhooks,
  ManageDeadLetters,
  SecretBox,
  Sweep,
  storedPluginState,
  systemClock,
  DEFAULT_WEBHOOK_SETTINGS,
  type AgentDesk,
  type BlobStore,
  type Channel,
  type Clock,
  type CoreSettings,
  type CrmRegistry,
  crmRegistry,
  CrmQueries,
  type DeskRegistry,
  type Health,
  type IngestPort,
  type JobQueue,
  type LegacySource,
  type LegacySources,
  type Logger,
  type PluginHttpRoute,
  type Store,
} from '@switchboard/core';
import { Hono } from 'hono';
import { Container } from 'inversify';
import { createApp } from './app.js';
import type { HubConfig } from './config/hub-config.js';
import { accessModule } from './di/access.module.js';
import { deliveryModule } from './di/delivery.module.js';
import { deskModule } from './di/desk.module.js';
import { identityModule } from './di/identity.module.js';
import { inboundModule } from './di/inbound.module.js';
import { JobContributions, type JobContributionList } from './di/jobs.js';
import { ledgerModule } from './di/ledger.module.js';
import { outboxModule } from './di/outbox.module.js';
import { platformModule } from './di/platform.module.js';
import { routingModule } from './di/routing.module.js';
import { slaModule } from './di/sla.module.js';
import { eventsModule } from './di/events.module.js';
import { webhooksModule } from './di/webhooks.module.js';
import { NodeHttpWebhookTransport } from './webhooks/node-http-webhook-transport.js';
import { migrationModule } from './di/migration.module.js';
import { crmModule } from './di/crm.module.js';
import { notFoundHandler } from './http/problem.js';
import { createLogger, toCoreLogger } from './observability/logger.js';
import { createMetrics } from './observability/metrics.js';
import { loadPlugins, type LoadedPlugin } from './plugins/plugin-loader.js';
import { contextForKinds, latePluginPorts, relayingDeskCommands } from './plugins/plugin-context.js';
import { guardedChannel, guardedDesk, guardedRoutes } from './plugins/plugin-guard.js';
import { PluginSupervisor } from './plugins/plugin-supervisor.js';
import { healthRoutes } from './routes/health/health.routes.js';
import { registerJobHandlers } from './workers/job-handlers.js';

// At most one relay pass per interval once writes come fast: writes during a busy spell share one
// pass at the end of the interval. Writes of ingest and the API: 50 ms, so that under load one pass
// (and one routing job) carries many messages. Writes of jobs (a routing pass that made offers, an
// expiry): 10 ms, because every hop of inbound → offer → desk waits for it, and jobs write far less
// often than messages arrive. While the last pass carried fewer than RELAY_BUSY_EVENTS events the
// writes are sparse (30 messages/s relay one or two a pass): the next write is relayed at once, so
// a lone message is not held for the interval (enqueue → offer waits for the relay).
const RELAY_INTERVAL_MS = 50;
const JOB_RELAY_INTERVAL_MS = 10;
const RELAY_BUSY_EVENTS = 8;

export interface HubOptions {
  /** Where the one-time admin key line goes (stdout by default). */
  print?: (line: string) => void;
  clock?: Clock;
  env?: NodeJS.ProcessEnv;
  /** Where log lines go (stdout by default); tests pass a stream to read them back. */
  logDestination?: { write(line: string): void };
}

export interface Hub {
  /** The HTTP handler: the full API for `api`/`all`, health and metrics only for `worker`. */
  /** `env` carries the Node request and response when served by @hono/node-server. */
  fetch: (request: Request, env?: unknown) => Response | Promise<Response>;
  logger: Logger;
  container: Container;
  start(): Promise<void>;
  stop(graceMs?: number): Promise<void>;
}

const provided = <T>(found: T | undefined, what: string): T => {
  if (found === undefined) throw new Error(`no enabled plugin provides the ${what}`);
  return found;
};

/**
 * The composition root: the one place that reads the configuration, loads the plugins it names,
 * binds ports to adapters and use cases to the container, and wires HTTP and workers by role.
 */
export const createHub = async (config: HubConfig, options: HubOptions = {}): Promise<Hub> => {
  const clock = options.clock ?? systemClock;
  const logger = toCoreLogger(
    createLogger({ level: config.logLevel, ...(options.logDestination === undefined ? {} : { destination: options.logDestination }) }),
  );
  const metrics = createMetrics();
  const settings: CoreSettings = {
    continuityWindowSeconds: config.hub.continuityWindowSeconds,
    channelQueues: config.hub.channelQueues,
    setAwayOnOfferExpiry: config.hub.offerExpiry.setAway,
    requeueOnOffline: config.hub.routing?.requeueOnOffline,
    declineCooldownSeconds: config.hub.routing?.declineCooldownSeconds,
    delivery: config.hub.delivery,
    identity: config.hub.identity,
    crm: config.hub.crm,
  };

  // Plugins are created before the ingest use case exists; their ingest port forwards to it.
  let ingestTarget: IngestInbound | null = null;
  let afterWrite = (): void => {};
  const ingestPort: IngestPort = {
    ingest: async (message) => {
      if (!ingestTarget) throw new DomainError('unavailable', 'HUB.STARTING', 'the hub is still starting');
      const result = await ingestTarget.ingest(message);
      metrics.inboundCounter.inc({ channel: message.channel, duplicate: String(result.duplicate) });
      if (!result.duplicate) afterWrite();
      return result;
    },
    ingestMany: (messages) => {
      if (!ingestTarget) return messages.map(() => Promise.reject(new DomainError('unavailable', 'HUB.STARTING', 'the hub is still starting')));
      return ingestTarget.ingestMany(messages).map(async (pending, i) => {
        const result = await pending;
        metrics.inboundCounter.inc({ channel: messages[i]!.channel, duplicate: String(result.duplicate) });
        if (!result.duplicate) afterWrite();
        return result;
      });
    },
  };

  const late = latePluginPorts(ingestPort);
  const enabled = config.plugins.filter((p) => p.enabled);
  const plugins = await loadPlugins(enabled, {
    env: options.env ?? process.env,
    contextFor: (spec, kinds) =>
      contextForKinds(
        { instanceId: spec.id, logger: logger.child({ plugin: spec.id }), clock, dataDir: join(config.dataDir, 'plugins', spec.id), role: config.role },
        kinds,
        late.ports,
      ),
  });
  const supervisor = new PluginSupervisor(plugins, { logger, disabled: config.plugins.filter((p) => !p.enabled) });
  const store: Store = provided(plugins.find((p) => p.instance.store)?.instance.store, 'storage');
  const queue: JobQueue = provided(plugins.find((p) => p.instance.queue)?.instance.queue, 'job queue');
  // The first blob store loaded (the built-in blob-fs unless configured otherwise) holds attachments.
  const blobs: BlobStore | undefined = plugins.find((p) => p.instance.blob)?.instance.blob;
  const channelByName = new Map<string, Channel>();
  const pluginRoutes = new Map<string, readonly PluginHttpRoute[]>();
  const deskInstances: { instanceId: string; desk: AgentDesk }[] = [];
  const legacyByInstance = new Map<string, LegacySource>();
  for (const plugin of plugins) {
    if (plugin.instance.legacy) legacyByInstance.set(plugin.spec.id, plugin.instance.legacy);
    if (plugin.instance.channel) channelByName.set(plugin.instance.channel.channel, guardedChannel(plugin, plugin.instance.channel));
    if (plugin.instance.desk) deskInstances.push({ instanceId: plugin.spec.id, desk: guardedDesk(plugin, plugin.instance.desk) });
    if (plugin.instance.routes?.length) pluginRoutes.set(plugin.spec.id, guardedRoutes(plugin, plugin.instance.routes));
  }
  const crms: CrmRegistry = crmRegistry(plugins.flatMap((p) => (p.instance.crm ? [{ instanceId: p.spec.id, crm: p.instance.crm }] : [])));
  // Ledger writes name their entries for the CRM sync only when there is a CRM to sync to.
  settings.crmEvents = crms.list().length > 0;
  const desks: DeskRegistry = {
    list: () => deskInstances,
    reaching: (agent) => deskInstances.map((entry) => entry.desk).filter((desk) => desk.reaches(agent)),
  };

  const webhookTransport = new NodeHttpWebhookTransport();
  const legacySources: LegacySources = { find: (id) => legacyByInstance.get(id), ids: () => [...legacyByInstance.keys()] };
  const sync: Record<string, number> = {};
  for (const spec of enabled) if (spec.sync !== undefined && legacyByInstance.has(spec.id)) sync[spec.id] = spec.sync.everySeconds;

  const container = new Container();
  container.load(
    platformModule({ store, queue, clock, logger, settings, channels: { find: (name) => channelByName.get(name) }, desks, crms, ...(blobs ? { blobs } : {}) }),
    identityModule,
    ledgerModule,
    routingModule,
    slaModule,
    eventsModule,
    webhooksModule(
      config.hub.webhooks ?? DEFAULT_WEBHOOK_SETTINGS,
      webhookTransport,
      (outcome) => metrics.webhookCounter.inc({ outcome }),
      SecretBox.of(config.secretKey, config.previousSecretKeys ?? []),
    ),
    inboundModule((size) => metrics.ingestBatchSize.observe(size)),
    deskModule,
    deliveryModule((channel, outcome) => metrics.deliveryCounter.inc({ channel, status: outcome })),
    crmModule,
    outboxModule,
    accessModule,
    migrationModule({
      sources: legacySources,
      settings: { batchSize: config.hub.migration?.batchSize ?? 1000, openTickets: config.hub.migration?.openTickets ?? 'queue', channelQueues: config.hub.channelQueues, identity: config.hub.identity },
      sync,
    }),
  );
  const relay = container.get(RelayOutbox);
  ingestTarget = container.get(IngestInbound);
  const deskCommands = container.get<DeskCommands>(DeskCommands);
  const customers = container.get(CustomerQueries);
  late.bind({
    deliveries: container.get(MarkDeliveryFailed),
    desk: relayingDeskCommands(deskCommands, () => afterWrite()),
    reads: new ComposedDeskReads(customers, container.get(DeskQueries), deskCommands, container.get(RoutingQueries)),
    customers,
    stateFor: (instanceId) => storedPluginState(store, instanceId, () => clock.now()),
    blobs,
  });

  // Relay soon after writes, so routing and delivery start without waiting for a poll; under load
  // one pass carries the events of many writes (and so does the routing job it enqueues).
  const relayAfterWrites = (intervalMs: number) => {
    let timer: NodeJS.Timeout | null = null;
    let lastRelayAt = 0;
    let busy = false;
    return () => {
      if (timer !== null) return;
      const wait = busy ? Math.max(0, lastRelayAt + intervalMs - Date.now()) : 0;
      timer = setTimeout(() => {
        timer = null;
        lastRelayAt = Date.now();
        relay
          .run()
          .then((relayed) => {
            busy = relayed >= RELAY_BUSY_EVENTS;
          })
          .catch((error: unknown) => logger.warn({ err: String(error) }, 'outbox relay failed; the next pass retries'));
      }, wait);
      timer.unref();
    };
  };
  afterWrite = relayAfterWrites(RELAY_INTERVAL_MS);
  const afterJobWrite = relayAfterWrites(JOB_RELAY_INTERVAL_MS);
  metrics.setQueueCountsProvider(() => queue.counts());

  const readiness = async () => {
    const [storeHealth, queueHealth, pluginHealth] = await Promise.all([
      store.health().catch((e: unknown) => ({ status: 'down' as const, detail: String(e) })),
      queue.health().catch((e: unknown) => ({ status: 'down' as const, detail: String(e) })),
      supervisor.health(),
    ]);
    const checks: Record<string, Health> = { store: storeHealth, queue: queueHealth };
    for (const p of pluginHealth) checks[`plugin:${p.id}`] = p.health;
    return { ok: started && storeHealth.status !== 'down' && queueHealth.status !== 'down', checks };
  };

  const serveApi = config.role !== 'worker';
  const runWorkers = config.role !== 'api';
  const root = new Hono();
  root.notFound(notFoundHandler);
  root.route('/', healthRoutes({ readiness, metrics, ...(config.metricsKey ? { metricsKey: config.metricsKey } : {}) }));
  if (serveApi) {
    root.use('*', metrics.httpMiddleware);
    root.route(
      '/',
      createApp({
        store,
        clock,
        logger,
        ingest: ingestPort,
        desk: deskCommands,
        deskReads: container.get(DeskQueries),
        customers,
        manageCustomers: container.get(ManageCustomers),
        ledger: container.get(LedgerQueries),
        erasure: container.get(EraseCustomer),
        crm: { queries: container.get(CrmQueries) },
        routing: container.get(ManageRouting),
        routingRules: container.get(ManageRoutingRules),
        routingReads: container.get(RoutingQueries),
        sla: container.get(SlaQueries),
        reports: new ReportQueries(store),
        events: container.get(FollowEvents),
        webhooks: container.get(ManageWebhooks),
        deadLetters: container.get(ManageDeadLetters),
        apiKeys: container.get(ManageApiKeys),
        migrations: container.get(ManageMigrations),
        bodyLimit: config.hub.bodyLimit,
        pluginHealth: () => supervisor.health(),
        testPlugin: (id) => supervisor.testConnection(id),
        resyncPlugin: (id, request) => supervisor.resync(id, request),
        desks,
        pluginRoutes,
        afterWrite: () => afterWrite(),
      }),
    );
  }

  let started = false;
  const timers: NodeJS.Timeout[] = [];
  const every = (ms: number, work: () => Promise<unknown>, what: string) => {
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      work()
        .catch((error: unknown) => logger.warn({ err: String(error) }, `${what} failed; retrying next interval`))
        .finally(() => {
          busy = false;
        });
    }, ms);
    timer.unref();
    timers.push(timer);
  };

  return {
    fetch: (request, env) => root.fetch(request, env),
    logger,
    container,
    async start() {
      await supervisor.start();
      await container.get(ManageRouting).ensureDefaultQueue();
      await container.get(ManageApiKeys).ensureAdminKey({ ...(config.adminKey ? { adminKey: config.adminKey } : {}), print: options.print ?? ((line) => process.stdout.write(`${line}\n`)) });
      if (runWorkers) {
        registerJobHandlers(queue, container.getAll<JobContributionList>(JobContributions).flat(), afterJobWrite);
        await queue.start();
        // A key set or changed since the last start: seal what was stored before under the current one.
        const resealed = await container.get(ManageWebhooks).resealSecrets();
        if (resealed > 0) logger.info({ subscriptions: resealed }, 'webhook signing secrets sealed under the current SWITCHBOARD_SECRET_KEY');
        const sweep = container.get(Sweep);
        every(config.hub.sweepIntervalMs, () => sweep.run(config.hub.sweepIntervalMs), 'sweep');
        await sweep.run(config.hub.sweepIntervalMs);
      } else {
        // API nodes relay their own writes; this poll catches what a crash between commit and relay
        // left (one cheap read when there is nothing to relay).
        every(Math.max(250, Math.floor(config.hub.sweepIntervalMs / 2)), () => relay.runIfPending(), 'outbox relay');
        await relay.run();
      }
      every(30_000, () => supervisor.restartUnhealthy(), 'plugin health watch');
      started = true;
      logger.info({ role: config.role, plugins: plugins.map((p) => p.spec.id) }, 'switchboard hub started');
    },
    async stop(graceMs = 10_000) {
      started = false;
      for (const timer of timers) clearInterval(timer);
      await queue.stop(graceMs).catch((error: unknown) => logger.warn({ err: String(error) }, 'job queue did not stop cleanly'));
      webhookTransport.close();
      await supervisor.stop();
    },
  };
};
