/** What access needs to know about agents: whether one exists, so a key is bound only to a real one. */
export interface AgentDirectory {
  exists(agentId: string): Promise<boolean>;
}
export const AgentDirectory = Symbol.for('switchboard.AgentDirectory');
