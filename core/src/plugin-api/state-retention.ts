import type { Clock } from '../shared/ports/clock.port.js';
import type { Logger } from '../shared/ports/logger.port.js';
import type { PluginState } from '../shared/ports/plugin-state.port.js';

export interface StateRetentionOptions {
  state: PluginState;
  clock: Clock;
  logger: Logger;
  /** Key prefixes whose entries expire (`offer:`, `post:`…); keys outside them are kept. */
  prefixes: readonly string[];
  /** Entries last written longer ago than this are deleted. */
  maxAgeMs: number;
  /** How often the prune runs after the first one (default hourly). */
  everyMs?: number;
}

export interface StateRetention {
  /** Prunes now, then every `everyMs` until `stop()`; a failed prune is logged and tried again next time. */
  start(): void;
  /** Stops the timer and waits for a prune in progress. */
  stop(): Promise<void>;
  /** One prune of every prefix; answers how many entries went. */
  pruneOnce(): Promise<number>;
}

const HOUR_MS = 3_600_000;

/**
 * Retention for the keys a plugin writes per event (a desk's per-offer and per-post keys): the
 * plugin state port is small state, so what is only needed for a while must not pile up. Every
 * process may run one (a prune is idempotent); plugins run it where workers run.
 */
export const stateRetention = (options: StateRetentionOptions): StateRetention => {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  const pruneOnce = async (): Promise<number> => {
    const before = new Date(options.clock.now().getTime() - options.maxAgeMs);
    let deleted = 0;
    for (const prefix of options.prefixes) deleted += await options.state.prune(prefix, before);
    if (deleted > 0) options.logger.info({ deleted, before: before.toISOString() }, 'plugin state: expired entries pruned');
    return deleted;
  };
  const tick = () => {
    if (running) return;
    running = pruneOnce()
      .catch((error: unknown) => options.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'plugin state prune failed; trying again later'))
      .finally(() => {
        running = undefined;
      });
  };
  return {
    start() {
      if (timer) return;
      tick();
      timer = setInterval(tick, options.everyMs ?? HOUR_MS);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
    pruneOnce,
  };
};
