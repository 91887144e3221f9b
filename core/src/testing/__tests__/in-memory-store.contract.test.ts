import { InMemoryStore } from '../in-memory-store.js';
import { runStoreContract } from '../store.contract.js';

runStoreContract('in memory', async () => {
  const store = new InMemoryStore();
  return { store, dispose: () => store.close() };
});
