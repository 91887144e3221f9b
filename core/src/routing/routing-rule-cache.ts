import type { RoutingSession } from './ports/routing-store.port.js';
import { RuleSet } from './rule-matcher.js';

/**
 * The routing rules, compiled once and kept in memory for ingest's hot path. Each read asks the
 * store only for the rules' version (bumped by every change, in any process) and recompiles when
 * it moved, so a rule saved through one hub node applies to the next message on every node.
 */
export class RoutingRuleCache {
  private current: { version: number; rules: RuleSet } | null = null;

  /** The queues the cached rules send to (as of the last read), to read ahead with a batch's first statements. */
  targetQueueIds(): string[] {
    return this.current?.rules.targetQueueIds ?? [];
  }

  async rules(session: Pick<RoutingSession, 'routingRules'>): Promise<RuleSet> {
    const version = await session.routingRules.version();
    if (this.current && this.current.version === version) return this.current.rules;
    const rules = new RuleSet(await session.routingRules.list());
    // A newer version may have been cached meanwhile by a concurrent batch: keep the newest.
    if (!this.current || this.current.version < version) this.current = { version, rules };
    return rules;
  }
}
