import type { Agent, AgentLoad } from './agent.entity.js';
import type { WaitReason } from './work-item.entity.js';

export interface Candidate {
  agent: Agent;
  load: AgentLoad;
}

export interface ItemNeeds {
  channel: string;
  skills: Record<string, number>;
  cost: number;
  excludedAgents: readonly string[];
}

export const hasSkills = (agent: Pick<Agent, 'skills'>, required: Record<string, number>): boolean =>
  Object.entries(required).every(([skill, level]) => (agent.skills[skill] ?? 0) >= level);

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
}

/** Filters available agents for one item and explains an empty result. */
export const eligibleFor = (item: ItemNeeds, available: readonly Candidate[]): Eligibility => {
  if (available.length === 0) {
    return { eligible: [], reasons: [{ code: 'no_agent_available', detail: 'no agent is available' }] };
  }
  const skilled = available.filter((c) => hasSkills(c.agent, item.skills));
  if (skilled.length === 0) {
    const needs = Object.entries(item.skills).map(([s, l]) => `${s}≥${l}`).join(', ');
    return { eligible: [], reasons: [{ code: 'no_skilled_agent', detail: `no available agent has the skills ${needs}` }] };
  }
  const withRoom = skilled.filter((c) => fits(c.agent, c.load, item.channel, item.cost));
  if (withRoom.length === 0) {
    return {
      eligible: [],
      reasons: [{ code: 'all_at_capacity', detail: `all ${skilled.length} skilled agents are at capacity for ${item.channel}` }],
    };
  }
  const fresh = withRoom.filter((c) => !item.excludedAgents.includes(c.agent.id));
  if (fresh.length === 0) {
    return {
      eligible: [],
      reasons: [{ code: 'declined_by_all', detail: 'every eligible agent declined or let an offer expire' }],
    };
  }
  return { eligible: fresh, reasons: [] };
};
