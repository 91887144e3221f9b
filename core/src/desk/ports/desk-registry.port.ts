import type { AgentDesk } from './agent-desk.port.js';

/** The desk plugin instances the hub loaded: where desk jobs find the desks that reach an agent. */
export interface DeskRegistry {
  list(): readonly { instanceId: string; desk: AgentDesk }[];
  /** The desks that reach this agent (those it has a binding for), in configuration order. */
  reaching(agent: { desk: Record<string, string | undefined> }): AgentDesk[];
}
export const DeskRegistry = Symbol.for('switchboard.DeskRegistry');
