import { runSlaStoreContract } from '@switchboard/core/testing';
import { createPostgresStore } from '../typeorm-store.js';
import { createTestDatabase } from '../testing/index.js';

runSlaStoreContract('PostgreSQL', async () => {
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
