import { InMemoryStore } from '../in-memory-store.js';
import { runSlaStoreContract } from '../sla-store.contract.js';

runSlaStoreContract('in memory', async () => {
  const store = new InMemoryStore();
  return { store, dispose: () => store.close() };
});
