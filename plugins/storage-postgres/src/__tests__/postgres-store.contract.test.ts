import { runStoreContract } from '@switchboard/core/testing';
import { createPostgresStore } from '../typeorm-store.js';
import { createTestDatabase } from '../testing/index.js';

// A fresh database per run, dropped afterwards, so parallel runs never meet.
runStoreContract('PostgreSQL', async () => {
  const database = await createTestDatabase();
  const store = createPostgresStore({ url: database.url, poolSize: 4 });
  return {
    store,
    async dispose() {
      await store.close();
      await database.drop();
    },
  };
});
