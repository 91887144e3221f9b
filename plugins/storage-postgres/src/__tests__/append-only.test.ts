import { anInteraction } from '@switchboard/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedStore, createPostgresStore, type TypeormStore } from '../typeorm-store.js';
import { createTestDatabase, resetDatabase } from '../testing/index.js';

interface Engine {
  name: string;
  open(): Promise<{ store: TypeormStore; dispose(): Promise<void> }>;
}

const engines: Engine[] = [
  {
    name: 'PostgreSQL',
    async open() {
      const database = await createTestDatabase();
      const store = createPostgresStore({ url: database.url, poolSize: 2 });
      return {
        store,
        async dispose() {
          await store.close();
          await database.drop();
        },
      };
    },
  },
  {
    name: 'PGlite',
    async open() {
      const store = createEmbeddedStore({ dataDir: 'memory://' });
      return { store, dispose: () => store.close() };
    },
  },
];

describe.each(engines)('the ledger on $name is append-only', (engine) => {
  let store: TypeormStore;
  let dispose: () => Promise<void> = async () => {};
  const entry = anInteraction({ text: 'the original words' });

  beforeAll(async () => {
    ({ store, dispose } = await engine.open());
    await store.migrate();
    await store.transaction((s) => s.interactions.insert(entry));
  });
  afterAll(() => dispose());

  it('refuses UPDATE', async () => {
    await expect(store.sql('UPDATE interactions SET text = $1 WHERE id = $2', ['rewritten', entry.id])).rejects.toThrow(
      /interactions are append-only: UPDATE is not allowed/,
    );
    expect((await store.read((s) => s.interactions.get(entry.id)))?.text).toBe('the original words');
  });

  it('refuses DELETE', async () => {
    await expect(store.sql('DELETE FROM interactions WHERE id = $1', [entry.id])).rejects.toThrow(
      /interactions are append-only: DELETE is not allowed/,
    );
    expect(await store.read((s) => s.interactions.get(entry.id))).toEqual(entry);
  });

  it('refuses TRUNCATE', async () => {
    await expect(store.sql('TRUNCATE interactions')).rejects.toThrow(/interactions are append-only: TRUNCATE is not allowed/);
    expect(await store.read((s) => s.interactions.get(entry.id))).toEqual(entry);
  });

  const TOMBSTONE_SET = `subject = NULL, text = '', html = NULL, attachments = '[]', party = NULL, data = '{}'`;

  it('refuses an erasure that changes anything beyond the content, or leaves content behind', async () => {
    const attempts = [
      // a header column along with the tombstone
      `UPDATE interactions SET ${TOMBSTONE_SET}, erased_at = now(), customer_id = gen_random_uuid() WHERE id = $1`,
      `UPDATE interactions SET ${TOMBSTONE_SET}, erased_at = now(), digest = 'x' WHERE id = $1`,
      `UPDATE interactions SET ${TOMBSTONE_SET}, erased_at = now(), content_hash = 'x' WHERE id = $1`,
      `UPDATE interactions SET ${TOMBSTONE_SET}, erased_at = now(), occurred_at = now() WHERE id = $1`,
      // other content instead of the tombstone
      `UPDATE interactions SET subject = NULL, text = 'other words', html = NULL, attachments = '[]', party = NULL, data = '{}', erased_at = now() WHERE id = $1`,
      `UPDATE interactions SET subject = NULL, text = '', html = NULL, attachments = '[]', party = '{"kind":"email","value":"x@example.com"}', data = '{}', erased_at = now() WHERE id = $1`,
      // the tombstone without the erasure mark
      `UPDATE interactions SET ${TOMBSTONE_SET} WHERE id = $1`,
    ];
    for (const attempt of attempts) {
      await expect(store.sql(attempt, [entry.id]), attempt).rejects.toThrow(/interactions are append-only: UPDATE is not allowed/);
    }
    expect(await store.read((s) => s.interactions.get(entry.id))).toEqual(entry);
  });

  it('allows exactly one change: the content to the tombstone, once', async () => {
    const victim = anInteraction({ text: 'erase me', subject: 'private' });
    await store.transaction((s) => s.interactions.insert(victim));
    await store.transaction((s) => s.interactions.tombstone([victim.id], new Date('2026-05-01T00:00:00.000Z')));
    const erased = await store.read((s) => s.interactions.get(victim.id));
    expect(erased).toMatchObject({ text: '', subject: null, party: null, digest: victim.digest, contentHash: victim.contentHash });
    // once erased, the row is as immutable as any other: not even erased_at moves
    await expect(store.sql(`UPDATE interactions SET erased_at = now() WHERE id = $1`, [victim.id])).rejects.toThrow(/append-only/);
    await expect(store.sql('DELETE FROM interactions WHERE id = $1', [victim.id])).rejects.toThrow(/append-only/);
  });

  it('refuses to move the hub-wide anchor backwards or remove it', async () => {
    await expect(store.sql('UPDATE ledger_heads SET seq = 0 WHERE conversation_id = $1', [entry.conversationId])).rejects.toThrow(/only move forward/);
    await expect(store.sql(`UPDATE ledger_heads SET digest = 'x' WHERE conversation_id = $1`, [entry.conversationId])).rejects.toThrow(/only move forward/);
    await expect(store.sql('DELETE FROM ledger_heads WHERE conversation_id = $1', [entry.conversationId])).rejects.toThrow(/only move forward/);
    await expect(store.sql('TRUNCATE ledger_heads')).rejects.toThrow(/only move forward: TRUNCATE/);
    expect(await store.read((s) => s.heads.getMany([entry.conversationId]))).toEqual([{ conversationId: entry.conversationId, seq: 1, digest: entry.digest }]);
  });

  it('still appends', async () => {
    const next = anInteraction({}, entry);
    await store.transaction((s) => s.interactions.insert(next));
    expect(await store.read((s) => s.interactions.listByConversation(entry.conversationId))).toEqual([entry, next]);
  });

  it('gives way only to the test reset, which switches the guard back on afterwards', async () => {
    await resetDatabase(store);
    expect(await store.read((s) => s.interactions.get(entry.id))).toBeNull();
    const again = anInteraction();
    await store.transaction((s) => s.interactions.insert(again));
    await expect(store.sql('DELETE FROM interactions WHERE id = $1', [again.id])).rejects.toThrow(/append-only/);
  });
});
