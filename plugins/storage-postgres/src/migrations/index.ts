import { InitialSchema1795305600000 } from './1795305600000-initial-schema.migration.js';
import { ApiKeyAgent1795392000000 } from './1795392000000-api-key-agent.migration.js';

/** Every schema migration, oldest first. TypeORM records applied ones in `schema_migrations`. */
export const migrations = [InitialSchema1795305600000, ApiKeyAgent1795392000000];
