import { InMemoryStore } from '../in-memory-store.js';
import { runWebhookStoreContract } from '../webhook-store.contract.js';

runWebhookStoreContract('in memory', async () => {
  const store = new InMemoryStore();
  return { store, dispose: () => store.close() };
});
