import { InMemoryStore } from '../in-memory-store.js';
import { runRoutingRulesStoreContract } from '../routing-rules-store.contract.js';

runRoutingRulesStoreContract('in memory', async () => {
  const store = new InMemoryStore();
  return { store, dispose: () => store.close() };
});
