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
