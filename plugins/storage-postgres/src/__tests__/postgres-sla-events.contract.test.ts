import { runEventLogContract, runPortabilityStoreContract, runRoutingRulesStoreContract, runSlaStoreContract, runWebhookStoreContract, type StoreUnderTest } from '@switchboard/core/testing';
import { createPostgresStore } from '../typeorm-store.js';
import { createTestDatabase } from '../testing/index.js';

const makeStore = async (): Promise<StoreUnderTest> => {
  const database = await createTestDatabase();
  const store = createPostgresStore({ url: database.url, poolSize: 2 });
  return {
    store,
    async dispose() {
      await store.close();
      await database.drop();
    },
  };
};

runSlaStoreContract('PostgreSQL', makeStore);
runEventLogContract('PostgreSQL', makeStore);
runWebhookStoreContract('PostgreSQL', makeStore);
runRoutingRulesStoreContract('PostgreSQL', makeStore);
runPortabilityStoreContract('PostgreSQL', makeStore);
