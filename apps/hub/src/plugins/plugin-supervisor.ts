import { conflict, DomainError, type Health, type Logger, type PluginKind, type ResyncRequest, type ResyncResult } from '@switchboard/core';
import type { PluginSpec } from '../config/hub-config.js';
import { PluginLoadError, type LoadedPlugin } from './plugin-loader.js';
import { scrubbedError } from './plugin-secrets.js';

export interface PluginHealthReport {
  id: string;
  use: string;
  /** The plugin's name (its npm package) and display name, from its manifest. */
  name: string;
  displayName: string | null;
  /** null for a disabled instance, which is never loaded. */
  version: string | null;
  kinds: PluginKind[];
  enabled: boolean;
  health: Health;
}

/** The answer of `POST /v1/plugins/{id}/test`. */
export interface PluginTestResult {
  /** False when the test says `down`, throws, or times out. */
  ok: boolean;
  detail: string;
  health: Health;
}

export const NO_CONNECTION_TEST = 'no connection test';

export interface PluginSupervisorOptions {
  logger: Logger;
  /** Disabled instances from the configuration, listed in health() but never loaded. */
  disabled?: PluginSpec[];
  healthTimeoutMs?: number;
  /** How long a connection test may take (default 10 s). */
  testTimeoutMs?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

type RunState =
  | { state: 'idle' }
  | { state: 'running' }
  | { state: 'failed'; detail: string; attempts: number; timer: NodeJS.Timeout | undefined };

const isInfrastructure = (plugin: LoadedPlugin) => plugin.manifest.kinds.includes('storage') || plugin.manifest.kinds.includes('queue');

/**
 * Starts, watches and stops the loaded plugin instances. Storage and queue are required: their
 * failure stops the boot. Any other plugin that fails to start is reported down and retried with
 * backoff while the hub keeps serving.
 */
/** How `GET /v1/plugins` shows a loaded instance. */
export const pluginReport = (plugin: LoadedPlugin, health: Health): PluginHealthReport => ({
  id: plugin.spec.id,
  use: plugin.spec.use,
  name: plugin.manifest.id,
  displayName: plugin.manifest.displayName,
  version: plugin.manifest.version,
  kinds: [...plugin.manifest.kinds],
  enabled: true,
  health,
});

/** How `GET /v1/plugins` shows an instance the configuration disables. */
export const disabledReport = (spec: PluginSpec): PluginHealthReport => ({
  id: spec.id,
  use: spec.use,
  name: spec.use,
  displayName: null,
  version: null,
  kinds: [],
  enabled: false,
  health: { status: 'down', detail: 'disabled' },
});

export class PluginSupervisor {
  private readonly states = new Map<LoadedPlugin, RunState>();
  private readonly logger: Logger;
  private readonly disabled: PluginSpec[];
  private readonly healthTimeoutMs: number;
  private readonly testTimeoutMs: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private stopping = false;

  constructor(
    private readonly plugins: readonly LoadedPlugin[],
    options: PluginSupervisorOptions,
  ) {
    this.logger = options.logger;
    this.disabled = options.disabled ?? [];
    this.healthTimeoutMs = options.healthTimeoutMs ?? 2000;
    this.testTimeoutMs = options.testTimeoutMs ?? 10_000;
    this.initialBackoffMs = options.initialBackoffMs ?? 1000;
    this.maxBackoffMs = options.maxBackoffMs ?? 60_000;
    for (const plugin of plugins) this.states.set(plugin, { state: 'idle' });
  }

  /** Storage and queue first, in configuration order, then the others. */
  private startOrder(): LoadedPlugin[] {
    return [...this.plugins.filter(isInfrastructure), ...this.plugins.filter((p) => !isInfrastructure(p))];
  }

  async start(): Promise<void> {
    this.stopping = false;
    for (const plugin of this.startOrder()) {
      if (isInfrastructure(plugin)) {
        try {
          await plugin.instance.start?.();
          this.states.set(plugin, { state: 'running' });
        } catch (error) {
          const message = plugin.redact(messageOf(error));
          this.states.set(plugin, { state: 'failed', detail: `start failed: ${message}`, attempts: 1, timer: undefined });
          // Without its store or queue the hub cannot do anything useful.
          throw new PluginLoadError(plugin.spec, `failed to start: ${message}`, { cause: scrubbedError(error, plugin.redact) });
        }
      } else {
        await this.attemptStart(plugin, 1);
      }
    }
  }

  private async attemptStart(plugin: LoadedPlugin, attempt: number): Promise<void> {
    if (this.stopping) return;
    try {
      await plugin.instance.start?.();
      if (this.stopping) return;
      this.states.set(plugin, { state: 'running' });
      if (attempt > 1) this.logger.info({ plugin: plugin.spec.id, attempt }, 'plugin started after retry');
    } catch (error) {
      if (this.stopping) return;
      const delayMs = Math.min(this.initialBackoffMs * 2 ** (attempt - 1), this.maxBackoffMs);
      const message = plugin.redact(messageOf(error));
      const detail = `start failed: ${message}`;
      this.logger.error(
        { plugin: plugin.spec.id, package: plugin.spec.use, attempt, retryInMs: delayMs, err: message },
        'plugin failed to start; retrying',
      );
      const timer = setTimeout(() => void this.attemptStart(plugin, attempt + 1), delayMs);
      // A retry must never keep the process alive on its own.
      timer.unref();
      this.states.set(plugin, { state: 'failed', detail, attempts: attempt, timer });
    }
  }

  async health(): Promise<PluginHealthReport[]> {
    const loaded = await Promise.all(this.plugins.map(async (plugin) => pluginReport(plugin, await this.healthOf(plugin))));
    return [...loaded, ...this.disabled.map(disabledReport)];
  }

  private async healthOf(plugin: LoadedPlugin): Promise<Health> {
    const state = this.states.get(plugin);
    if (state?.state === 'failed') return { status: 'down', detail: state.detail };
    if (state?.state === 'idle') return { status: 'down', detail: 'not started' };
    return checkWithin(() => plugin.instance.health(), this.healthTimeoutMs, 'health check', plugin.redact);
  }

  /**
   * Runs an instance's `testConnection()` (or its legacy source's), bounded in time. Undefined for
   * an id the hub does not know; a disabled instance answers not ok. Plugins without a test answer
   * ok, 'no connection test'.
   */
  async testConnection(id: string): Promise<PluginTestResult | undefined> {
    const plugin = this.plugins.find((candidate) => candidate.spec.id === id);
    if (plugin === undefined) {
      return this.disabled.some((spec) => spec.id === id) ? { ok: false, detail: 'disabled', health: { status: 'down', detail: 'disabled' } } : undefined;
    }
    const test = connectionTestOf(plugin);
    if (test === undefined) return { ok: true, detail: NO_CONNECTION_TEST, health: { status: 'up', detail: NO_CONNECTION_TEST } };
    const health = await checkWithin(test, this.testTimeoutMs, 'connection test', plugin.redact);
    return { ok: health.status !== 'down', detail: health.detail ?? health.status, health };
  }

  /**
   * Runs an instance's `resync()`. Undefined for an id the hub does not know; a disabled instance
   * or one that cannot resync is a conflict. Errors are scrubbed of the plugin's secrets.
   */
  async resync(id: string, request: ResyncRequest): Promise<ResyncResult | undefined> {
    const plugin = this.plugins.find((candidate) => candidate.spec.id === id);
    if (plugin === undefined) {
      if (this.disabled.some((spec) => spec.id === id)) throw conflict('PLUGIN.DISABLED', `plugin instance '${id}' is disabled`);
      return undefined;
    }
    const resync = plugin.instance.resync;
    if (resync === undefined) throw conflict('PLUGIN.NO_RESYNC', `plugin instance '${id}' has no source to re-read`);
    try {
      const result = await Reflect.apply(resync, plugin.instance, [request]);
      return { ...result, ...(result.detail === undefined ? {} : { detail: plugin.redact(result.detail) }) };
    } catch (error) {
      throw new DomainError('unavailable', 'PLUGIN.RESYNC_FAILED', plugin.redact(`resync of '${id}' failed: ${messageOf(error)}`));
    }
  }

  /**
   * Restarts running plugins (other than storage and queue) whose health says `down`: stop, then
   * start with the same backoff as a failed start. The hub calls this on an interval.
   * Returns the ids of the plugins it restarted.
   */
  async restartUnhealthy(): Promise<string[]> {
    const restarted: string[] = [];
    for (const plugin of this.plugins) {
      if (this.stopping || isInfrastructure(plugin) || this.states.get(plugin)?.state !== 'running') continue;
      const health = await this.healthOf(plugin);
      if (health.status !== 'down') continue;
      this.logger.error({ plugin: plugin.spec.id, package: plugin.spec.use, detail: health.detail }, 'plugin unhealthy; restarting it');
      try {
        await plugin.instance.stop?.();
      } catch (error) {
        this.logger.warn({ plugin: plugin.spec.id, err: messageOf(error) }, 'unhealthy plugin failed to stop');
      }
      restarted.push(plugin.spec.id);
      await this.attemptStart(plugin, 1);
    }
    return restarted;
  }

  /** Stops every instance in reverse start order; logs failures and never throws. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const plugin of this.startOrder().reverse()) {
      const state = this.states.get(plugin);
      if (state?.state === 'failed') clearTimeout(state.timer);
      try {
        await plugin.instance.stop?.();
      } catch (error) {
        this.logger.error({ plugin: plugin.spec.id, err: messageOf(error) }, 'plugin failed to stop');
      }
      this.states.set(plugin, { state: 'idle' });
    }
  }
}

// The instance's own test, else the one its legacy source must have.
const connectionTestOf = ({ instance }: LoadedPlugin): (() => Promise<Health>) | undefined => {
  const own = instance.testConnection;
  if (own !== undefined) return () => Reflect.apply(own, instance, []);
  const legacy = instance.legacy;
  return legacy === undefined ? undefined : () => legacy.testConnection();
};

/** Runs a check that answers Health: a throw or a timeout is `down`; every detail, at any depth, is scrubbed of the plugin's secrets. */
const checkWithin = async (check: () => Promise<Health>, timeoutMs: number, what: string, redact: (text: string) => string): Promise<Health> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Health>((resolve) => {
    timer = setTimeout(() => resolve({ status: 'down', detail: `${what} timed out after ${timeoutMs} ms` }), timeoutMs);
    timer.unref();
  });
  try {
    const checked = Promise.resolve()
      .then(check)
      .then(
        (health) => health,
        (error: unknown): Health => ({ status: 'down', detail: `${what} failed: ${messageOf(error)}` }),
      );
    return redactHealth(await Promise.race([checked, timeout]), redact);
  } finally {
    clearTimeout(timer);
  }
};

const STATUSES: readonly Health['status'][] = ['up', 'degraded', 'down'];

// A plugin's answer is not trusted to be well-formed: keep only the documented fields, parts one level deep.
const redactHealth = (health: Health, redact: (text: string) => string, depth = 0): Health => {
  const status = STATUSES.includes(health.status) ? health.status : 'down';
  const result: Health = { status };
  if (typeof health.detail === 'string') result.detail = redact(health.detail);
  if (health.parts !== undefined && typeof health.parts === 'object' && depth < 1) {
    result.parts = Object.fromEntries(
      Object.entries(health.parts).map(([name, part]) => [redact(name), redactHealth(part, redact, depth + 1)]),
    );
  }
  return result;
};

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
