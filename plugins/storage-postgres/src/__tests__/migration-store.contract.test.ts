import { runMigrationStoreContract } from '@switchboard/core/testing';
import { createEmbeddedStore, createPostgresStore } from '../typeorm-store.js';
import { createTestDatabase } from '../testing/index.js';

runMigrationStoreContract('PGlite (memory://)', async () => {
  const store = createEmbeddedStore({ dataDir: 'memory://' });
  return { store, dispose: () => store.close() };
});

// A fresh database per run, dropped afterwards.
runMigrationStoreContract('PostgreSQL', async () => {
  const database = await createTestDatabase();
  const store = createPostgresStore({ url: database.url, poolSize: 2 });
  return {
    store,
    async dispose() {
      await store.close();
      await database.drop();
    },
  };
});
