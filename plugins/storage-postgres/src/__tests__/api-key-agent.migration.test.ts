import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedStore, type TypeormStore } from '../typeorm-store.js';

// A database from before agent-bound keys: the migration adds the column and leaves its keys unbound.
describe('migration ApiKeyAgent1795392100000', () => {
  let store: TypeormStore;
  beforeAll(async () => {
    store = createEmbeddedStore({ dataDir: 'memory://' });
    await store.migrate();
    await store.sql('ALTER TABLE api_keys DROP COLUMN agent_id');
    await store.sql("DELETE FROM schema_migrations WHERE name = 'ApiKeyAgent1795392100000'");
  });
  afterAll(() => store.close());

  it('adds api_keys.agent_id to a database that has keys, which stay unbound', async () => {
    const id = '11111111-1111-4111-8111-111111111111';
    await store.sql(
      `INSERT INTO api_keys (id, name, prefix, hash, scopes, created_at) VALUES ($1, 'old', 'abcd1234', $2, '["admin"]'::jsonb, now())`,
      [id, 'f'.repeat(64)],
    );
    await store.migrate();
    const [key] = (await store.read((s) => s.apiKeys.list({ limit: 10 }))).items;
    expect(key).toMatchObject({ id, name: 'old', scopes: ['admin'], agentId: null, revokedAt: null });
    const columns = await store.sql<{ is_nullable: string; data_type: string }>(
      "SELECT is_nullable, data_type FROM information_schema.columns WHERE table_name = 'api_keys' AND column_name = 'agent_id'",
    );
    expect(columns).toEqual([{ is_nullable: 'YES', data_type: 'uuid' }]);
  });
});
