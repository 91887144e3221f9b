import { aChain, aConversation } from '@switchboard/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedStore, type TypeormStore } from '../typeorm-store.js';

// A database from before channel hops: `hops` counted hand-overs. The migration keeps those as
// `handoffs` and counts the channel hops from the ledger.
describe('migration ChannelHops1795400000000', () => {
  let store: TypeormStore;
  const conversation = aConversation({ channels: ['email', 'webchat'], hops: 0, handoffs: 0 });
  const quiet = aConversation({ hops: 0, handoffs: 0 });
  const channels = ['email', 'system', 'webchat', 'webchat', 'email'];
  const chain = aChain(channels.length, (i) => ({
    conversationId: conversation.id,
    customerId: conversation.customerId,
    channel: channels[i]!,
    ...(channels[i] === 'system' ? { direction: 'internal' as const, type: 'note' as const } : {}),
  }));

  beforeAll(async () => {
    store = createEmbeddedStore({ dataDir: 'memory://' });
    await store.migrate();
    await store.transaction(async (s) => {
      await s.conversations.insertMany([conversation, quiet]);
      await s.interactions.insertMany(chain);
    });
    // Back to the old shape: one column `hops` holding the hand-over count.
    await store.sql('ALTER TABLE conversations DROP COLUMN hops');
    await store.sql('ALTER TABLE conversations RENAME COLUMN handoffs TO hops');
    await store.sql('UPDATE conversations SET hops = 3 WHERE id = $1', [conversation.id]);
    await store.sql("DELETE FROM schema_migrations WHERE name = 'ChannelHops1795400000000'");
    // An embedded cluster's first start is slow on a loaded machine.
  }, 120_000);
  afterAll(() => store.close());

  it('moves the hand-over count to handoffs and counts channel hops of messages from the ledger', async () => {
    await store.migrate();
    const [migrated, untouched] = await store.read((s) => s.conversations.getMany([conversation.id, quiet.id]).then((cs) => [conversation.id, quiet.id].map((id) => cs.find((c) => c.id === id))));
    // email → (a note on `system` does not count) → webchat → webchat → email: two hops.
    expect(migrated).toMatchObject({ hops: 2, handoffs: 3 });
    expect(untouched).toMatchObject({ hops: 0, handoffs: 0 });
    const columns = await store.sql<{ column_name: string; column_default: string | null }>(
      "SELECT column_name, column_default FROM information_schema.columns WHERE table_name = 'conversations' AND column_name IN ('hops', 'handoffs') ORDER BY column_name",
    );
    expect(columns).toEqual([
      { column_name: 'handoffs', column_default: null },
      { column_name: 'hops', column_default: null },
    ]);
  });
});
