import type pg from 'pg';

// The routing invariants, checked over the full history a hub recorded in PostgreSQL (offers with
// their creation and answer times, assignments with start and end, routing decisions, the ledger),
// not only over the final state. Intervals are half-open, [start, end): an offer answered at t and
// the next one created at t never overlap, and at equal times ends are applied before starts.

export interface AuditOffer {
  id: string;
  conversationId: string;
  agentId: string;
  channel: string;
  cost: number;
  status: string;
  createdAt: number;
  answeredAt: number | null;
}

export interface AuditAssignment {
  id: string;
  conversationId: string;
  agentId: string;
  channel: string;
  cost: number;
  startedAt: number;
  endedAt: number | null;
}

export interface AuditAgent {
  id: string;
  name: string;
  units: number;
  perChannel: Record<string, number>;
}

export interface AuditDecision {
  conversationId: string;
  outcome: string;
  agentId: string | null;
  at: number;
}

export interface AuditLedgerEntry {
  conversationId: string;
  seq: number;
  type: string;
  occurredAt: number;
  offerId: string | null;
  /** For a status entry: the status it moved to. */
  to: string | null;
}

export interface RoutingHistory {
  agents: AuditAgent[];
  offers: AuditOffer[];
  assignments: AuditAssignment[];
  decisions: AuditDecision[];
  ledger: AuditLedgerEntry[];
}

export interface AgentPeak {
  agentId: string;
  units: number;
  /** The most units in use at any instant. */
  peakUnits: number;
  /** Whether at some instant the agent could not have taken the cheapest item seen (units or a per-channel maximum). */
  saturated: boolean;
}

export interface AuditReport {
  violations: string[];
  peaks: AgentPeak[];
  /** Assignment episodes seen (the first queueing of each conversation, then every transfer or hand-back). */
  episodes: number;
}

const iso = (ms: number | null): string => (ms === null ? '∞' : new Date(ms).toISOString());
const byKey = <T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> => {
  const map = new Map<string, T[]>();
  for (const row of rows) {
    const list = map.get(key(row));
    if (list) list.push(row);
    else map.set(key(row), [row]);
  }
  return map;
};

interface Interval {
  id: string;
  start: number;
  end: number | null;
}

/** Overlaps between consecutive intervals of one owner (sorted by start, then id). */
const overlaps = (what: string, owner: string, intervals: Interval[], violations: string[]): void => {
  const sorted = [...intervals].sort((a, b) => a.start - b.start || a.id.localeCompare(b.id));
  for (const interval of sorted) {
    if (interval.end !== null && interval.end < interval.start) violations.push(`${what} ${interval.id} of ${owner} ends (${iso(interval.end)}) before it starts (${iso(interval.start)})`);
  }
  // Against the latest end seen so far, not only the previous interval: a long one may cover several.
  let open: Interval | null = null;
  for (const interval of sorted) {
    if (open && (open.end === null || open.end > interval.start)) {
      violations.push(`two live ${what}s for ${owner} at once: ${open.id} [${iso(open.start)}, ${iso(open.end)}) and ${interval.id} [${iso(interval.start)}, ${iso(interval.end)})`);
    }
    const later = !open || (open.end !== null && (interval.end === null || interval.end > open.end));
    if (later) open = interval;
  }
};

/** Sweeps an agent's offers and assignments in time order, with their weights, against its capacity. */
const sweepCapacity = (agent: AuditAgent, offers: AuditOffer[], assignments: AuditAssignment[], minCost: number, violations: string[]): AgentPeak => {
  type Event = { at: number; delta: 1 | -1; cost: number; channel: string; what: string };
  const events: Event[] = [];
  for (const o of offers) {
    events.push({ at: o.createdAt, delta: 1, cost: o.cost, channel: o.channel, what: `offer ${o.id}` });
    if (o.answeredAt !== null) events.push({ at: o.answeredAt, delta: -1, cost: o.cost, channel: o.channel, what: `offer ${o.id}` });
  }
  for (const a of assignments) {
    events.push({ at: a.startedAt, delta: 1, cost: a.cost, channel: a.channel, what: `assignment ${a.id}` });
    if (a.endedAt !== null) events.push({ at: a.endedAt, delta: -1, cost: a.cost, channel: a.channel, what: `assignment ${a.id}` });
  }
  events.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let units = 0;
  let peakUnits = 0;
  let saturated = false;
  const perChannel = new Map<string, number>();
  // What the agent holds at each instant, named in a violation so that it can be diagnosed.
  const live = new Map<string, Event>();
  const holding = () => [...live.values()].map((e) => `${e.what} (${e.cost} ${e.channel} since ${iso(e.at)})`).join(', ');
  for (const event of events) {
    if (event.delta > 0) live.set(event.what, event);
    else live.delete(event.what);
    units += event.delta * event.cost;
    const count = (perChannel.get(event.channel) ?? 0) + event.delta;
    perChannel.set(event.channel, count);
    if (event.delta < 0) continue;
    peakUnits = Math.max(peakUnits, units);
    if (units > agent.units) {
      violations.push(`agent ${agent.name} over capacity at ${iso(event.at)}: ${units} units in use of ${agent.units} after ${event.what}; holding ${holding()}`);
    }
    const max = agent.perChannel[event.channel];
    if (max !== undefined && count > max) {
      violations.push(`agent ${agent.name} over its ${event.channel} maximum at ${iso(event.at)}: ${count} items of ${max} after ${event.what}; holding ${holding()}`);
    }
    if (units + minCost > agent.units || (max !== undefined && count >= max)) saturated = true;
  }
  return { agentId: agent.id, units: agent.units, peakUnits, saturated };
};

/**
 * Checks, over the whole recorded history: an item never had two live offers nor two assignments
 * at once; no agent ever exceeded its capacity (units or a per-channel maximum) at any instant;
 * every assignment comes from exactly one accepted offer and has exactly one ledger entry; within
 * an assignment episode (from a queueing to the next transfer or hand-back) an item is assigned at
 * most once and offered no more after that.
 */
export const auditRoutingHistory = (history: RoutingHistory): AuditReport => {
  const violations: string[] = [];
  const offersByConversation = byKey(history.offers, (o) => o.conversationId);
  const assignmentsByConversation = byKey(history.assignments, (a) => a.conversationId);

  for (const [conversationId, offers] of offersByConversation) {
    overlaps('offer', `conversation ${conversationId}`, offers.map((o) => ({ id: o.id, start: o.createdAt, end: o.answeredAt })), violations);
    for (const o of offers) {
      if ((o.status === 'pending') !== (o.answeredAt === null)) violations.push(`offer ${o.id} is ${o.status} with answeredAt ${iso(o.answeredAt)}`);
    }
  }
  for (const [conversationId, assignments] of assignmentsByConversation) {
    overlaps('assignment', `conversation ${conversationId}`, assignments.map((a) => ({ id: a.id, start: a.startedAt, end: a.endedAt })), violations);
  }

  const costs = [...history.offers.map((o) => o.cost), ...history.assignments.map((a) => a.cost)].filter((c) => c > 0);
  const minCost = costs.length > 0 ? Math.min(...costs) : 1;
  const offersByAgent = byKey(history.offers, (o) => o.agentId);
  const assignmentsByAgent = byKey(history.assignments, (a) => a.agentId);
  const peaks = history.agents.map((agent) => sweepCapacity(agent, offersByAgent.get(agent.id) ?? [], assignmentsByAgent.get(agent.id) ?? [], minCost, violations));

  // Accepted offer ↔ assignment ↔ ledger entry, one to one.
  const ledgerByOffer = byKey(
    history.ledger.filter((e) => e.type === 'assignment' && e.offerId !== null),
    (e) => e.offerId ?? '',
  );
  const assignmentKey = (conversationId: string, agentId: string, at: number) => `${conversationId}/${agentId}/${at}`;
  const assignmentsByKey = byKey(history.assignments, (a) => assignmentKey(a.conversationId, a.agentId, a.startedAt));
  const matched = new Set<string>();
  for (const offer of history.offers.filter((o) => o.status === 'accepted')) {
    const found = assignmentsByKey.get(assignmentKey(offer.conversationId, offer.agentId, offer.answeredAt ?? -1)) ?? [];
    if (found.length !== 1) violations.push(`accepted offer ${offer.id} has ${found.length} assignments starting at its acceptance`);
    for (const a of found) matched.add(a.id);
    const entries = ledgerByOffer.get(offer.id)?.length ?? 0;
    if (entries !== 1) violations.push(`accepted offer ${offer.id} has ${entries} assignment entries in the ledger`);
  }
  for (const a of history.assignments) {
    if (!matched.has(a.id)) violations.push(`assignment ${a.id} (conversation ${a.conversationId}) comes from no accepted offer`);
  }

  // Episodes: a conversation's first queueing, then each transfer or hand-back starts a new one.
  const boundaries = byKey(
    history.decisions.filter((d) => d.outcome === 'transferred'),
    (d) => d.conversationId,
  );
  const endings = new Map<string, Set<number>>();
  for (const d of history.decisions) if (d.outcome === 'transferred') (endings.get(d.conversationId) ?? endings.set(d.conversationId, new Set()).get(d.conversationId))?.add(d.at);
  for (const e of history.ledger) if (e.type === 'status' && e.to === 'resolved') (endings.get(e.conversationId) ?? endings.set(e.conversationId, new Set()).get(e.conversationId))?.add(e.occurredAt);
  let episodes = 0;
  for (const [conversationId, offers] of offersByConversation) {
    const starts = [Number.NEGATIVE_INFINITY, ...(boundaries.get(conversationId) ?? []).map((d) => d.at)].sort((a, b) => a - b);
    const unique = starts.filter((at, i) => i === 0 || at !== starts[i - 1]);
    episodes += unique.length;
    for (const [i, start] of unique.entries()) {
      const end = unique[i + 1] ?? Number.POSITIVE_INFINITY;
      const inEpisode = offers.filter((o) => o.createdAt >= start && o.createdAt < end).sort((a, b) => a.createdAt - b.createdAt);
      const accepted = inEpisode.filter((o) => o.status === 'accepted');
      if (accepted.length > 1) violations.push(`conversation ${conversationId} was assigned ${accepted.length} times in one episode (offers ${accepted.map((o) => o.id).join(', ')})`);
      const first = accepted[0];
      if (first?.answeredAt != null) {
        const after = inEpisode.filter((o) => o.createdAt >= (first.answeredAt ?? 0) && o.id !== first.id);
        if (after.length > 0) violations.push(`conversation ${conversationId} was offered again (${after.map((o) => o.id).join(', ')}) after its assignment by offer ${first.id}, in the same episode`);
      }
    }
  }
  // An assignment ends only with a transfer, a hand-back or a resolution recorded at that instant.
  for (const a of history.assignments) {
    if (a.endedAt !== null && !endings.get(a.conversationId)?.has(a.endedAt)) {
      violations.push(`assignment ${a.id} (conversation ${a.conversationId}) ended at ${iso(a.endedAt)} with no transfer, hand-back or resolution recorded then`);
    }
  }
  return { violations, peaks, episodes };
};

const ms = (value: Date | null): number | null => (value === null ? null : value.getTime());

/** Reads the routing history of a hub's database. */
export const readRoutingHistory = async (pool: pg.Pool): Promise<RoutingHistory> => {
  const agents = await pool.query<{ id: string; name: string; capacity: { units: number; perChannel?: Record<string, number> } }>('SELECT id, name, capacity FROM agents');
  const offers = await pool.query<{ id: string; conversation_id: string; agent_id: string; channel: string; cost: number; status: string; created_at: Date; answered_at: Date | null }>(
    'SELECT id, conversation_id, agent_id, channel, cost, status, created_at, answered_at FROM offers',
  );
  const assignments = await pool.query<{ id: string; conversation_id: string; agent_id: string; channel: string; cost: number; started_at: Date; ended_at: Date | null }>(
    'SELECT id, conversation_id, agent_id, channel, cost, started_at, ended_at FROM assignments',
  );
  const decisions = await pool.query<{ conversation_id: string; outcome: string; agent_id: string | null; at: Date }>('SELECT conversation_id, outcome, agent_id, at FROM routing_decisions');
  const ledger = await pool.query<{ conversation_id: string; seq: number; type: string; occurred_at: Date; offer_id: string | null; to_status: string | null }>(
    "SELECT conversation_id, seq, type, occurred_at, data->>'offerId' AS offer_id, data->>'to' AS to_status FROM interactions WHERE type IN ('assignment', 'status')",
  );
  return {
    agents: agents.rows.map((r) => ({ id: r.id, name: r.name, units: r.capacity.units, perChannel: r.capacity.perChannel ?? {} })),
    offers: offers.rows.map((r) => ({
      id: r.id, conversationId: r.conversation_id, agentId: r.agent_id, channel: r.channel, cost: r.cost, status: r.status, createdAt: r.created_at.getTime(), answeredAt: ms(r.answered_at),
    })),
    assignments: assignments.rows.map((r) => ({
      id: r.id, conversationId: r.conversation_id, agentId: r.agent_id, channel: r.channel, cost: r.cost, startedAt: r.started_at.getTime(), endedAt: ms(r.ended_at),
    })),
    decisions: decisions.rows.map((r) => ({ conversationId: r.conversation_id, outcome: r.outcome, agentId: r.agent_id, at: r.at.getTime() })),
    ledger: ledger.rows.map((r) => ({ conversationId: r.conversation_id, seq: r.seq, type: r.type, occurredAt: r.occurred_at.getTime(), offerId: r.offer_id, to: r.to_status })),
  };
};
