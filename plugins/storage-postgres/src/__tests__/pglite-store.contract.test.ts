import { runStoreContract } from '@switchboard/core/testing';
import { createEmbeddedStore } from '../typeorm-store.js';

runStoreContract('PGlite (memory://)', async () => {
  const store = createEmbeddedStore({ dataDir: 'memory://' });
  return { store, dispose: () => store.close() };
});
