import { InMemoryStore } from '../in-memory-store.js';
import { runEventLogContract } from '../event-log.contract.js';

runEventLogContract('in memory', async () => {
  const store = new InMemoryStore();
  return { store, dispose: () => store.close() };
});
