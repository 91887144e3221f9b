import { postgresStoragePlugin } from './postgres-storage.plugin.js';

export default postgresStoragePlugin;
export {
  createEmbeddedStore,
  createPostgresStore,
  TypeormStore,
  type EmbeddedStoreOptions,
  type PostgresStoreOptions,
  type StoreEngine,
} from './typeorm-store.js';
export { DataDirInUseError } from './data-dir-lock.js';
export { migrations } from './migrations/index.js';
export { pgliteDriver, type PgliteDriverModule } from './pglite-driver.js';
