import type { RoutingSession } from './ports/routing-store.port.js';
import type { Queue } from './queue.entity.js';
import { RuleSet } from './rule-matcher.js';

/** What a batch is routed by, as of one version: the rules and the queues it may send to. */
export interface RoutingConfig {
  readonly version: number;
  readonly rules: RuleSet;
  /** Queues by name (null: no queue of that name). */
  readonly byName: ReadonlyMap<string, Queue | null>;
  /** The queues the rules send to, by id (null: deleted). */
  readonly byId: ReadonlyMap<string, Queue | null>;
}

/**
 * The routing rules, compiled once, and the queues ingest sends to, kept in memory for ingest's
 * hot path. Each read asks the store only for the version, which every change of a rule or a
 * queue bumps in its own transaction, in any process; the rules and queues are read again when
 * it moved, so a rule or queue saved through one hub node applies to the next message on every node.
 */
export class RoutingConfigCache {
  private current: RoutingConfig | null = null;

  /** The configuration as of the store's current version, with the queues named `names` among `byName`. */
  async read(session: Pick<RoutingSession, 'routingRules' | 'queues'>, names: readonly string[]): Promise<RoutingConfig> {
    const version = await session.routingRules.version();
    const cached = this.current?.version === version ? this.current : null;
    if (cached && names.every((name) => cached.byName.has(name))) return cached;
    // Read after the version, so what is cached is at least as new as the version it is kept under.
    const missing = names.filter((name) => !cached?.byName.has(name));
    const [rules, named] = await Promise.all([
      cached ? cached.rules : session.routingRules.list().then((list) => new RuleSet(list)),
      Promise.all(missing.map((name) => session.queues.getByName(name))),
    ]);
    const unknownIds = rules.targetQueueIds.filter((id) => !cached?.byId.has(id));
    const targets = await Promise.all(unknownIds.map((id) => session.queues.get(id)));
    const next: RoutingConfig = {
      version,
      rules,
      byName: new Map([...(cached?.byName ?? []), ...missing.map((name, i) => [name, named[i] ?? null] as const)]),
      byId: new Map([...(cached?.byId ?? []), ...unknownIds.map((id, i) => [id, targets[i] ?? null] as const)]),
    };
    // A newer version may have been cached meanwhile by a concurrent batch: keep the newest.
    if (!this.current || this.current.version <= version) this.current = next;
    return next;
  }
}
