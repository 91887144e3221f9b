import type { z } from 'zod';
import type { AgentDesk } from '../desk/ports/agent-desk.port.js';
import type { DeskCommands } from '../desk/ports/desk-commands.port.js';
import type { DeskReads } from '../desk/ports/desk-reads.port.js';
import type { CustomerLookup } from '../identity/ports/customer-lookup.port.js';
import type { IngestPort } from '../inbound/ports/ingest.port.js';
import type { Health } from '../shared/health.js';
import type { Clock } from '../shared/ports/clock.port.js';
import type { JobQueue } from '../shared/ports/job-queue.port.js';
import type { Logger } from '../shared/ports/logger.port.js';
import type { PluginState } from '../shared/ports/plugin-state.port.js';
import type { Store } from '../store/store.port.js';
import type { BlobStore } from './blob-store.port.js';
import type { Channel, DeliveryFeedback } from './channel.port.js';
import type { CrmConnector } from './crm.port.js';
import type { PluginHttpRoute } from './http-route.js';
import type { LegacySource } from './legacy-source.port.js';

/** The plugin API this core implements. A plugin declares the one it was written for. */
export const PLUGIN_API_VERSION = 1;
/** Plugin API versions this core can load. */
export const SUPPORTED_PLUGIN_API_VERSIONS: readonly number[] = [1];

export const PLUGIN_KINDS = ['channel', 'desk', 'crm', 'legacy', 'blob', 'storage', 'queue'] as const;
export type PluginKind = (typeof PLUGIN_KINDS)[number];

/** What every plugin instance gets, whatever its kinds. */
export interface BasePluginContext {
  /** The instance id from the configuration (`webhook`, `support-mail`, …). */
  instanceId: string;
  logger: Logger;
  clock: Clock;
  /** `<data>/plugins/<instance id>`: the hub creates it (mode 0700) before `create()` runs. */
  dataDir: string;
  /** `api`, `worker` or `all`: plugins that poll sources run only where workers run. */
  role: 'all' | 'api' | 'worker';
}

/** What each kind adds to the context, for the plugins that declare it. */
export interface PluginKindContexts {
  channel: {
    /** Inbound messages go here; it resolves after commit. */
    ingest: IngestPort;
    /** A message sent earlier failed afterwards (a bounce). */
    deliveries: DeliveryFeedback;
  };
  desk: {
    /** What agents do from the desk: the same commands, and the same authorisation, as the HTTP API. */
    desk: DeskCommands;
    reads: DeskReads;
    /** This instance's durable key/value state in the hub's store (conversation references, posted message ids). */
    state: PluginState;
  };
  crm: {
    /** Who the customer behind an identity is in the hub. */
    customers: CustomerLookup;
  };
  legacy: {
    /** Live sync: a change in the legacy system recorded while both run side by side. */
    ingest: IngestPort;
  };
  blob: Record<never, never>;
  storage: Record<never, never>;
  queue: Record<never, never>;
}

type UnionToIntersection<U> = (U extends unknown ? (arg: U) => void : never) extends (arg: infer I) => void ? I : never;

/**
 * What the hub gives a plugin instance when it creates it: the base, plus what each declared kind
 * needs (`ingest` for a channel, `desk` and `reads` for a desk…). Typed from the manifest's `kinds`.
 */
export type PluginContext<Kind extends PluginKind = PluginKind> = BasePluginContext & UnionToIntersection<PluginKindContexts[Kind]>;

/** The member of `PluginInstance` each kind fills. */
export const PLUGIN_KIND_MEMBERS = {
  channel: 'channel',
  desk: 'desk',
  crm: 'crm',
  legacy: 'legacy',
  blob: 'blob',
  storage: 'store',
  queue: 'queue',
} as const satisfies Record<PluginKind, keyof PluginInstance>;

/**
 * What a plugin instance provides: `health()`, and exactly the members of the kinds it declares
 * (`channel` for kind `channel`, `store` for `storage`…). A declared kind without its member, or a
 * member without its kind, fails the boot.
 */
export interface PluginInstance {
  start?(): Promise<void>;
  stop?(): Promise<void>;
  /** Cheap and quick (the hub times it out after 2 s); `parts` carries per-part detail (per mailbox). */
  health(): Promise<Health>;
  /**
   * Checks the configuration against the outside system without changing anything; the API's
   * `POST /v1/plugins/{id}/test` runs it. Without it the test answers ok with 'no connection test'.
   */
  testConnection?(): Promise<Health>;
  channel?: Channel;
  desk?: AgentDesk;
  crm?: CrmConnector;
  legacy?: LegacySource;
  blob?: BlobStore;
  store?: Store;
  queue?: JobQueue;
  /** HTTP endpoints, mounted at `/plugins/{instanceId}{path}` (webhooks from providers). */
  routes?: PluginHttpRoute[];
}

export interface PluginManifest<Schema extends z.ZodType = z.ZodType, Kind extends PluginKind = PluginKind> {
  /** The npm package name. */
  id: string;
  displayName: string;
  version: string;
  /** The plugin API version the plugin was written against (see PLUGIN_API_VERSION). */
  apiVersion: number;
  kinds: readonly Kind[];
  /** Validates the instance configuration at start-up. Mark secret fields with `secret()`, at any depth. */
  configSchema: Schema;
  /**
   * Secret fields for schemas `secret()` cannot mark (another schema library): `token`, or a path
   * such as `mailboxes[].password`. Optional when the schema marks its secrets.
   */
  secrets?: readonly string[];
  create(context: PluginContext<Kind>, config: z.output<Schema>): PluginInstance | Promise<PluginInstance>;
}

export type SwitchboardPlugin = PluginManifest;

/**
 * Declares a plugin. A plugin package default-exports the result; `create` gets the context of
 * the kinds it declares:
 *
 * ```ts
 * export default definePlugin({
 *   id: '@acme/channel-fax', displayName: 'Fax', version: '1.0.0', apiVersion: 1, kinds: ['channel'],
 *   configSchema: z.object({ channel: z.string().default('fax'), apiKey: secret(z.string().min(1)) }),
 *   create: (ctx, config) => ({ channel: new FaxChannel(config, ctx.ingest), health: async () => ({ status: 'up' }) }),
 * });
 * ```
 */
export const definePlugin = <Schema extends z.ZodType, Kind extends PluginKind>(manifest: PluginManifest<Schema, Kind>): PluginManifest<Schema, Kind> =>
  manifest;
