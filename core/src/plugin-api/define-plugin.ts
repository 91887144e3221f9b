import type { z } from 'zod';
import type { IngestPort } from '../inbound/ports/ingest.port.js';
import type { Health } from '../shared/health.js';
import type { Clock } from '../shared/ports/clock.port.js';
import type { JobQueue } from '../shared/ports/job-queue.port.js';
import type { Logger } from '../shared/ports/logger.port.js';
import type { Store } from '../store/store.port.js';
import type { Channel } from './channel.port.js';
import type { PluginHttpRoute } from './http-route.js';

/** The plugin API this core implements. A plugin declares the one it was written for. */
export const PLUGIN_API_VERSION = 1;
/** Plugin API versions this core can load. */
export const SUPPORTED_PLUGIN_API_VERSIONS: readonly number[] = [1];

export const PLUGIN_KINDS = ['channel', 'desk', 'crm', 'legacy', 'storage', 'queue'] as const;
export type PluginKind = (typeof PLUGIN_KINDS)[number];

/** What the hub gives a plugin instance when it creates it. */
export interface PluginContext {
  /** The instance id from the configuration (`webhook`, `support-mail`, …). */
  instanceId: string;
  logger: Logger;
  clock: Clock;
  /** A folder this instance may keep files in. */
  dataDir: string;
  /** `api`, `worker` or `all`: plugins that poll sources run only where workers run. */
  role: 'all' | 'api' | 'worker';
  /** Channel plugins hand inbound messages here; it resolves after commit. */
  ingest: IngestPort;
}

/** What a plugin instance provides. A plugin fills the members of the kinds it declares. */
export interface PluginInstance {
  start?(): Promise<void>;
  stop?(): Promise<void>;
  health(): Promise<Health>;
  /** Checks the plugin's configuration against the outside system without changing anything. */
  testConnection?(): Promise<Health>;
  channel?: Channel;
  store?: Store;
  queue?: JobQueue;
  /** HTTP endpoints, mounted at `/plugins/{instanceId}{path}` (webhooks from providers). */
  routes?: PluginHttpRoute[];
}

export interface PluginManifest<Schema extends z.ZodType = z.ZodType> {
  /** The npm package name. */
  id: string;
  displayName: string;
  version: string;
  /** The plugin API version the plugin was written against (see PLUGIN_API_VERSION). */
  apiVersion: number;
  kinds: readonly PluginKind[];
  /** Validates the instance configuration at start-up. */
  configSchema: Schema;
  /**
   * Top-level configuration fields that hold secrets. In the configuration file they are given by
   * reference (`{ env: NAME }` or `{ file: PATH }`), never inline, and they are never logged or returned.
   */
  secrets: readonly string[];
  create(context: PluginContext, config: z.output<Schema>): PluginInstance | Promise<PluginInstance>;
}

export type SwitchboardPlugin = PluginManifest;

/**
 * Declares a plugin. A plugin package default-exports the result:
 *
 * ```ts
 * export default definePlugin({ id: '@acme/channel-fax', kinds: ['channel'], apiVersion: 1, … });
 * ```
 */
export const definePlugin = <Schema extends z.ZodType>(manifest: PluginManifest<Schema>): PluginManifest<Schema> => manifest;
