import { entitySchemas } from '../schemas/index.js';
import type { TypeormStore } from '../typeorm-store.js';

// The migration tables are written in plain SQL (no entity schema).
const TABLES = [...entitySchemas.map((schema) => schema.options.tableName ?? schema.options.name), 'migration_runs', 'migration_failures', 'legacy_map', 'migration_sources'];

/**
 * Empties every table (not the migration history) so tests can share one store. The ledger's
 * append-only triggers (entries and heads) also refuse TRUNCATE, so it is switched off for exactly this statement
 * batch, which Postgres runs as one implicit transaction.
 */
export const resetDatabase = async (store: TypeormStore): Promise<void> => {
  await store.sql(
    `ALTER TABLE interactions DISABLE TRIGGER USER; ALTER TABLE ledger_heads DISABLE TRIGGER USER; TRUNCATE ${TABLES.join(', ')}; ALTER TABLE interactions ENABLE TRIGGER USER; ALTER TABLE ledger_heads ENABLE TRIGGER USER`,
  );
};
