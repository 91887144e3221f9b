import { InMemoryStore } from '../in-memory-store.js';
import { runPortabilityStoreContract } from '../portability.contract.js';

runPortabilityStoreContract('in memory', async () => {
  const store = new InMemoryStore();
  return { store, dispose: () => store.close() };
});
