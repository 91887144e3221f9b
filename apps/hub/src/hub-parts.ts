import { join } from 'node:path';
import {
  BackfillCrm,
  DomainError,
  SyncCrm,
  crmRegistry,
  type CrmBackfillProgress,
  type CrmBackfillReport,
  IngestInbound,
  ManageApiKeys,
  ManageMigrations,
  RunMigration,
  MarkDeliveryFailed,
  storedPluginState,
  systemClock,
  type Clock,
  type CustomerLookup,
  type DeskCommands,
  type DeskReads,
  type Health,
  type LegacySources,
  type Logger,
  type ResyncRequest,
  type ResyncResult,
  type Store,
} from '@switchboard/core';
import type { HubConfig } from './config/hub-config.js';
import { storeAgentDirectory } from './di/access.module.js';
import { createLogger, toCoreLogger } from './observability/logger.js';
import { contextForKinds, latePluginPorts } from './plugins/plugin-context.js';
import { loadPlugins, type LoadedPlugin } from './plugins/plugin-loader.js';
import { disabledReport, pluginReport, type PluginHealthReport } from './plugins/plugin-supervisor.js';

export interface OpenHubPartsOptions {
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  /** Where plugin logs go; the CLI passes one writing to stderr so that stdout stays its answer. */
  logger?: Logger;
  /** How long a health check or connection test may take. */
  timeoutMs?: number;
}

/** The hub's store and plugin instances, created but not started: no HTTP, no workers, no polling. */
export interface HubParts {
  config: HubConfig;
  plugins: readonly LoadedPlugin[];
  /** The configured store, migrated. */
  store: Store;
  apiKeys: ManageApiKeys;
  /** The legacy plugin instances, by instance id. */
  legacySources: LegacySources;
  /** Migration runs on this store (`switchboard migrate`): start, follow, report. */
  migrations: ManageMigrations;
  /** Runs a migration run in this process. */
  migrationRunner: RunMigration;
  /**
   * Health of every configured instance in GET /v1/plugins's shape (disabled ones included), as
   * the created instances in this process answer it: connections are checked, nothing is started.
   */
  pluginHealth(): Promise<PluginHealthReport[]>;
  /** Runs one instance's connection test (its health check when it has none); null for an unknown id. */
  testPlugin(id: string): Promise<Health | null>;
  /** Re-reads an instance's source into the store (an IMAP mailbox); null for an unknown id. */
  resyncPlugin(id: string, request: ResyncRequest): Promise<ResyncResult | null>;
  /** Logs the ledger's history to a CRM instance (`switchboard crm backfill`), idempotently. */
  crmBackfill(instanceId: string, options: { since?: Date | undefined; recheck?: boolean | undefined }, onProgress?: (progress: CrmBackfillProgress) => void): Promise<CrmBackfillReport>;
  close(): Promise<void>;
}

const withTimeout = async (work: Promise<Health>, ms: number, what: string): Promise<Health> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Health>((resolve) => {
    timer = setTimeout(() => resolve({ status: 'down', detail: `${what} timed out after ${ms} ms` }), ms);
  });
  try {
    return await Promise.race([work.catch((error: unknown): Health => ({ status: 'down', detail: `${what} failed: ${error instanceof Error ? error.message : String(error)}` })), timeout]);
  } finally {
    clearTimeout(timer);
  }
};

/**
 * Opens what tools (the CLI, `npm run migrate`, a console) need from a configuration: the plugin
 * instances it names, created but not started, and the store, migrated. Creating a plugin connects
 * nothing, so this never ingests, polls or serves.
 */
export const openHubParts = async (config: HubConfig, options: OpenHubPartsOptions = {}): Promise<HubParts> => {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? toCoreLogger(createLogger({ level: config.logLevel }));
  const timeoutMs = options.timeoutMs ?? 5000;
  // Ingest, delivery feedback and plugin state work once the store is open (for an operator's
  // resync); the other ports of a running hub are never bound here: a plugin calling one is told so.
  let ingestTarget: IngestInbound | null = null;
  const late = latePluginPorts({
    ingest: (message) => (ingestTarget ? ingestTarget.ingest(message) : Promise.reject(new DomainError('unavailable', 'HUB.NOT_RUNNING', 'the store is not open yet'))),
  });
  const { ports } = late;
  const plugins = await loadPlugins(config.plugins.filter((p) => p.enabled), {
    env: options.env ?? process.env,
    contextFor: (spec, kinds) =>
      contextForKinds(
        { instanceId: spec.id, logger: logger.child({ plugin: spec.id }), clock, dataDir: join(config.dataDir, 'plugins', spec.id), role: config.role },
        kinds,
        ports,
      ),
  });
  const stopAll = async () => {
    for (const plugin of [...plugins].reverse()) await plugin.instance.stop?.().catch(() => undefined);
  };
  const store = plugins.find((p) => p.instance.store)?.instance.store;
  const legacySources: LegacySources = {
    find: (id) => plugins.find((p) => p.spec.id === id)?.instance.legacy,
    ids: () => plugins.filter((p) => p.instance.legacy !== undefined).map((p) => p.spec.id),
  };
  try {
    if (store === undefined) throw new Error('no enabled plugin provides the storage');
    await store.migrate();
    ingestTarget = new IngestInbound(store, clock, { continuityWindowSeconds: config.hub.continuityWindowSeconds, channelQueues: config.hub.channelQueues });
    const deliveries = new MarkDeliveryFailed(store, clock, logger);
    const notRunning = () => {
      throw new DomainError('unavailable', 'HUB.NOT_RUNNING', 'this process does not serve desks; the hub does');
    };
    late.bind({
      deliveries,
      desk: new Proxy({} as DeskCommands, { get: notRunning }),
      reads: new Proxy({} as DeskReads, { get: notRunning }),
      customers: new Proxy({} as CustomerLookup, { get: notRunning }),
      stateFor: (instanceId) => storedPluginState(store, instanceId, () => clock.now()),
      blobs: plugins.find((p) => p.instance.blob)?.instance.blob,
    });
  } catch (error) {
    await stopAll();
    throw error;
  }
  const report = async (plugin: LoadedPlugin): Promise<PluginHealthReport> =>
    pluginReport(plugin, await withTimeout(Reflect.apply(plugin.instance.health, plugin.instance, []), timeoutMs, 'health check'));
  const disabled = config.plugins.filter((p) => !p.enabled).map(disabledReport);
  return {
    config,
    plugins,
    store,
    apiKeys: new ManageApiKeys(store, clock, storeAgentDirectory(store)),
    legacySources,
    migrations: new ManageMigrations(store, legacySources, clock),
    migrationRunner: new RunMigration(
      store,
      legacySources,
      clock,
      {
        batchSize: config.hub.migration?.batchSize ?? 1000,
        openTickets: config.hub.migration?.openTickets ?? 'queue',
        channelQueues: config.hub.channelQueues,
        identity: config.hub.identity,
      },
      logger,
    ),
    pluginHealth: async () => [...(await Promise.all(plugins.map(report))), ...disabled],
    async testPlugin(id) {
      const plugin = plugins.find((p) => p.spec.id === id);
      if (plugin === undefined) return null;
      const test = plugin.instance.testConnection ?? plugin.instance.health;
      return withTimeout(Reflect.apply(test, plugin.instance, []), timeoutMs, 'connection test');
    },
    async resyncPlugin(id, request) {
      const plugin = plugins.find((p) => p.spec.id === id);
      if (plugin === undefined) return null;
      const resync = plugin.instance.resync;
      if (resync === undefined) throw new DomainError('conflict', 'PLUGIN.NO_RESYNC', `plugin instance '${id}' has no source to re-read`);
      return Reflect.apply(resync, plugin.instance, [request]);
    },
    async crmBackfill(instanceId, options, onProgress) {
      const crms = crmRegistry(plugins.flatMap((p) => (p.instance.crm ? [{ instanceId: p.spec.id, crm: p.instance.crm }] : [])));
      const sync = new SyncCrm(store, clock, crms, { rules: config.hub.identity.rules, crm: config.hub.crm }, logger);
      return new BackfillCrm(store, clock, crms, sync).run(instanceId, options, onProgress);
    },
    async close() {
      await stopAll();
      await store.close();
    },
  };
};
