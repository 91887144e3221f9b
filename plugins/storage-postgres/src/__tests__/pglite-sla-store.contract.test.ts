import { runSlaStoreContract } from '@switchboard/core/testing';
import { createEmbeddedStore } from '../typeorm-store.js';

runSlaStoreContract('PGlite (memory://)', async () => {
  const store = createEmbeddedStore({ dataDir: 'memory://' });
  return { store, dispose: () => store.close() };
});
