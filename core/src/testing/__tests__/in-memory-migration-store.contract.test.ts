import { InMemoryStore } from '../in-memory-store.js';
import { runMigrationStoreContract } from '../migration-store.contract.js';

runMigrationStoreContract('in memory', async () => ({ store: new InMemoryStore(), dispose: async () => {} }));
