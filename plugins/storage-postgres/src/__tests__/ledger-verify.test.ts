import { LedgerQueries, type LedgerProblem } from '@switchboard/core';
import { aChain, aConversation } from '@switchboard/core/testing';
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

// Damage done the way an intruder with database access would: the append-only guard switched off.
const tamper = (store: TypeormStore, sql: string, params: unknown[] = []) =>
  store.sql(`ALTER TABLE interactions DISABLE TRIGGER USER; ALTER TABLE ledger_heads DISABLE TRIGGER USER`).then(async () => {
    try {
      await store.sql(sql, params);
    } finally {
      await store.sql(`ALTER TABLE interactions ENABLE TRIGGER USER; ALTER TABLE ledger_heads ENABLE TRIGGER USER`);
    }
  });

describe.each(engines)('GET /v1/ledger/verify on $name names exactly what changed', (engine) => {
  let store: TypeormStore;
  let dispose: () => Promise<void> = async () => {};
  let ledger: LedgerQueries;

  /** Four conversations of three entries each, the last one's middle entry erased (legitimately). */
  const seed = async () => {
    const chains = [aChain(3), aChain(3), aChain(3), aChain(3)];
    await store.transaction(async (s) => {
      await s.conversations.insertMany(chains.map((c) => aConversation({ id: c[0]!.conversationId, customerId: c[0]!.customerId })));
      for (const chain of chains) await s.interactions.insertMany(chain);
    });
    await store.transaction((s) => s.interactions.tombstone([chains[3]![1]!.id], new Date()));
    return chains;
  };

  beforeAll(async () => {
    ({ store, dispose } = await engine.open());
    await store.migrate();
    ledger = new LedgerQueries(store);
    // a new PGlite cluster (initdb and every migration) takes well over its usual seconds on a loaded machine
  }, 180_000);
  afterAll(() => dispose());

  const only = (problems: LedgerProblem[]) => problems.map(({ detail: _detail, ...rest }) => rest);

  it('an intact ledger with an erased entry verifies', async () => {
    await resetDatabase(store);
    await seed();
    expect(await ledger.verifyAll()).toEqual({ ok: true, conversations: 4, entries: 12, problems: [] });
  });

  it('names an edited entry, a deleted middle entry, a removed tail and a deleted conversation', async () => {
    await resetDatabase(store);
    const [edited, gap, tail, gone] = await seed();
    await tamper(store, 'UPDATE interactions SET text = $1 WHERE id = $2', ['I never said that', edited![1]!.id]);
    await tamper(store, 'DELETE FROM interactions WHERE id = $1', [gap![1]!.id]);
    await tamper(store, 'DELETE FROM interactions WHERE conversation_id = $1 AND seq >= 2', [tail![0]!.conversationId]);
    await tamper(store, 'DELETE FROM interactions WHERE conversation_id = $1', [gone![0]!.conversationId]);
    await tamper(store, 'DELETE FROM conversations WHERE id = $1', [gone![0]!.conversationId]);

    const result = await ledger.verifyAll();
    expect(result.ok).toBe(false);
    expect(result.conversations).toBe(4);
    expect(result.entries).toBe(3 + 2 + 1);
    expect(only(result.problems)).toEqual(
      expect.arrayContaining([
        { kind: 'entry_changed', conversationId: edited![0]!.conversationId, seq: 2, entryId: edited![1]!.id },
        { kind: 'entries_missing', conversationId: gap![0]!.conversationId, seq: 2, toSeq: 2 },
        { kind: 'tail_removed', conversationId: tail![0]!.conversationId, seq: 2, toSeq: 3 },
        { kind: 'conversation_removed', conversationId: gone![0]!.conversationId, seq: 1, toSeq: 3 },
      ]),
    );
    expect(result.problems).toHaveLength(4);
  });

  it('names a rewritten entry whose digest was recomputed, by the link of the next one', async () => {
    await resetDatabase(store);
    const [chain] = await seed();
    // A careful intruder rewrites the content and a matching content hash and digest of entry 2:
    // entry 2 is then consistent in itself, but entry 3 no longer links to it, and the anchor
    // still holds the head it recorded.
    await tamper(store, `UPDATE interactions SET digest = $1 WHERE id = $2`, ['f'.repeat(64), chain![1]!.id]);
    const result = await ledger.verifyAll();
    expect(only(result.problems)).toEqual([
      { kind: 'entry_changed', conversationId: chain![0]!.conversationId, seq: 2, entryId: chain![1]!.id },
      { kind: 'chain_broken', conversationId: chain![0]!.conversationId, seq: 3, entryId: chain![2]!.id },
    ]);
  });

  it('names entries the anchor never recorded and content put back under an erasure', async () => {
    await resetDatabase(store);
    const [, unanchored, , erased] = await seed();
    await tamper(store, 'DELETE FROM ledger_heads WHERE conversation_id = $1', [unanchored![0]!.conversationId]);
    await tamper(store, `UPDATE interactions SET text = 'back again' WHERE id = $1`, [erased![1]!.id]);
    const result = await ledger.verifyAll();
    expect(result.conversations).toBe(4);
    expect(only(result.problems)).toEqual(
      expect.arrayContaining([
        { kind: 'unanchored', conversationId: unanchored![0]!.conversationId, seq: 1, toSeq: 3 },
        { kind: 'entry_changed', conversationId: erased![0]!.conversationId, seq: 2, entryId: erased![1]!.id },
      ]),
    );
    expect(result.problems).toHaveLength(2);
  });
});
