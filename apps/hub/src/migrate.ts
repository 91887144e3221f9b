import { join } from 'node:path';
import { DomainError, systemClock } from '@switchboard/core';
import { loadHubConfig } from './config/hub-config.js';
import { createLogger, toCoreLogger } from './observability/logger.js';
import { contextForKinds, latePluginPorts } from './plugins/plugin-context.js';
import { loadPlugins } from './plugins/plugin-loader.js';

// `npm run migrate`: applies the storage plugin's migrations and exits (the hub also does this at start).
const run = async () => {
  const config = await loadHubConfig();
  const logger = toCoreLogger(createLogger({ level: config.logLevel }));
  // Creating a plugin connects nothing (start() does), so load them all and take the storage.
  // Ports that are never bound: a plugin calling one while migrating is told the hub is starting.
  const { ports } = latePluginPorts({ ingest: () => Promise.reject(new DomainError('unavailable', 'HUB.MIGRATING', 'migrating')) });
  const plugins = await loadPlugins(config.plugins.filter((p) => p.enabled), {
    env: process.env,
    contextFor: (spec, kinds) =>
      contextForKinds(
        { instanceId: spec.id, logger, clock: systemClock, dataDir: join(config.dataDir, 'plugins', spec.id), role: config.role },
        kinds,
        ports,
      ),
  });
  const store = plugins.find((p) => p.instance.store)?.instance.store;
  if (!store) throw new Error('no storage plugin is configured');
  await store.migrate();
  await store.close();
  logger.info({}, 'migrations applied');
};

run().catch((error: unknown) => {
  process.stderr.write(`switchboard migrate: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
