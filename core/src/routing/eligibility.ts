import type { Agent, AgentLoad } from './agent.entity.js';
import type { WaitReason } from './work-item.entity.js';

export interface Candidate {
  agent: Agent;
  load: AgentLoad;
}

export interface ItemNeeds {
  channel: string;
  skills: Record<string, number>;
  /** Other skill sets an agent may have instead (relaxation opened the item to other queues' agents). */
  alternatives?: readonly Record<string, number>[] | undefined;
  cost: number;
  /** Agents who declined or let an offer expire, oldest first. */
  excludedAgents: readonly string[];
  declinedAt?: Date | null | undefined;
}

/** When agents who declined may see an item again once nobody else is eligible. */
export interface DeclinePolicy {
  now: Date;
  cooldownSeconds: number;
  /**
   * Set when `available` holds only the agents skilled for some item (a routing pass's) and some
   * agent is available: an item nobody there can take then waits for want of skills, not of agents.
   */
  othersAvailable?: boolean;
}

export const hasSkills = (agent: Pick<Agent, 'skills'>, required: Record<string, number>): boolean => {
  // A loop, not Object.entries: a routing pass asks this of every available agent for every item.
  for (const skill of Object.keys(required)) if ((agent.skills[skill] ?? 0) < required[skill]!) return false;
  return true;
};

/** The candidates with the item's skills, or with one of its alternative sets. */
export const skilledFor = (item: Pick<ItemNeeds, 'skills' | 'alternatives'>, available: readonly Candidate[]): Candidate[] => {
  const alternatives = item.alternatives ?? [];
  return available.filter((c) => hasSkills(c.agent, item.skills) || alternatives.some((skills) => hasSkills(c.agent, skills)));
};

/** Whether one more item of `channel` costing `cost` fits the agent's capacity. */
export const fits = (agent: Pick<Agent, 'capacity'>, load: AgentLoad, channel: string, cost: number): boolean => {
  if (load.units + cost > agent.capacity.units) return false;
  const max = agent.capacity.perChannel[channel];
  return max === undefined || (load.perChannel[channel] ?? 0) < max;
};

export interface Eligibility {
  eligible: Candidate[];
  /** Why nobody is eligible; empty when someone is. */
  reasons: WaitReason[];
  /** Set when everyone eligible had declined and the cool-down has passed: the item goes back to one of them. */
  redeclined?: boolean;
}

/**
 * The skilled candidates of an item worked out already (a pass's items mostly share their skills):
 * `count` of them, of which `withRoom` holds at least every one the item could fit.
 */
export interface KnownSkilled {
  withRoom: readonly Candidate[];
  count: number;
}

/** Filters available agents for one item and explains an empty result. */
export const eligibleFor = (item: ItemNeeds, available: readonly Candidate[], policy?: DeclinePolicy, known?: KnownSkilled): Eligibility => {
  if (available.length === 0 && !policy?.othersAvailable) {
    return { eligible: [], reasons: [{ code: 'nobody_available', detail: 'no agent is available' }] };
  }
  const alternatives = item.alternatives ?? [];
  const skilled = known?.withRoom ?? skilledFor(item, available);
  const skilledCount = known?.count ?? skilled.length;
  if (skilledCount === 0) {
    const needs = [item.skills, ...alternatives].map((skills) => Object.entries(skills).map(([s, l]) => `${s}≥${l}`).join(', ') || 'none').join(' or ');
    return { eligible: [], reasons: [{ code: 'no_skilled_agent', detail: `no available agent has the skills ${needs}` }] };
  }
  const withRoom = skilled.filter((c) => fits(c.agent, c.load, item.channel, item.cost));
  if (withRoom.length === 0) {
    return {
      eligible: [],
      reasons: [{ code: 'all_at_capacity', detail: `all ${skilledCount} skilled agents are at capacity for ${item.channel}` }],
    };
  }
  const fresh = item.excludedAgents.length === 0 ? withRoom : withRoom.filter((c) => !item.excludedAgents.includes(c.agent.id));
  if (fresh.length === 0) {
    // Decliners are kept out only while someone else is eligible: after the cool-down the one who
    // declined longest ago sees the item again, so an item never waits for good on a refusal.
    const since = item.declinedAt ?? null;
    if (policy && (since === null || policy.now.getTime() - since.getTime() >= policy.cooldownSeconds * 1000)) {
      const first = item.excludedAgents.map((id) => withRoom.find((c) => c.agent.id === id)).find((c) => c !== undefined);
      if (first) return { eligible: [first], reasons: [], redeclined: true };
    }
    return {
      eligible: [],
      reasons: [{ code: 'declined_by_all', detail: `every eligible agent (${withRoom.length}) declined or let an offer expire` }],
    };
  }
  return { eligible: fresh, reasons: [] };
};
