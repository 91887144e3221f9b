import { AgentDirectory, Clock, ManageApiKeys, Store } from '@switchboard/core';
import { ContainerModule } from 'inversify';

/** Agents as access sees them: read from the store. */
export const storeAgentDirectory = (store: Store): AgentDirectory => ({
  exists: async (agentId) => (await store.read((session) => session.agents.get(agentId))) !== null,
});

/** API keys: made, listed, revoked, verified (HTTP API and CLI alike). */
export const accessModule = new ContainerModule(({ bind }) => {
  bind<AgentDirectory>(AgentDirectory)
    .toDynamicValue((ctx) => storeAgentDirectory(ctx.get<Store>(Store)))
    .inSingletonScope();
  bind(ManageApiKeys)
    .toDynamicValue((ctx) => new ManageApiKeys(ctx.get<Store>(Store), ctx.get<Clock>(Clock), ctx.get<AgentDirectory>(AgentDirectory)))
    .inSingletonScope();
});
