// What other apps (the CLI, a console) reuse of the hub: its composition root, configuration and plugin loading.
export { createHub, type Hub, type HubOptions } from './composition-root.js';
export {
  ConfigError,
  DEFAULT_CONFIG_FILE,
  HUB_ROLES,
  loadHubConfig,
  type HubConfig,
  type HubRole,
  type HubSettings,
  type LogLevel,
  type PluginSpec,
} from './config/hub-config.js';
export { loadPlugins, PluginLoadError, type LoadedPlugin, type LoadPluginsOptions } from './plugins/plugin-loader.js';
export type { PluginHealthReport } from './plugins/plugin-supervisor.js';
export { openHubParts, type HubParts, type OpenHubPartsOptions } from './hub-parts.js';
export { storeAgentDirectory } from './di/access.module.js';
export { createLogger, toCoreLogger } from './observability/logger.js';
export { HUB_VERSION } from './version.js';
