import { runEventLogContract, runPortabilityStoreContract, runRoutingRulesStoreContract, runSlaStoreContract, runWebhookStoreContract, type StoreUnderTest } from '@switchboard/core/testing';
import { createEmbeddedStore } from '../typeorm-store.js';

const makeStore = async (): Promise<StoreUnderTest> => {
  const store = createEmbeddedStore({ dataDir: 'memory://' });
  return { store, dispose: () => store.close() };
};

runSlaStoreContract('PGlite (memory://)', makeStore);
runEventLogContract('PGlite (memory://)', makeStore);
runWebhookStoreContract('PGlite (memory://)', makeStore);
runRoutingRulesStoreContract('PGlite (memory://)', makeStore);
runPortabilityStoreContract('PGlite (memory://)', makeStore);
