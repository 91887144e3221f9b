import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStore, type TypeormStore } from '../typeorm-store.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';

// Two transactions that take the same two locks in opposite order: PostgreSQL aborts one as the
// deadlock's victim (after deadlock_timeout, 1 s by default); the store runs it again, so both commit.
describe('a deadlock victim is run again (PostgreSQL)', () => {
  let database: TestDatabase;
  let store: TypeormStore;
  beforeAll(async () => {
    database = await createTestDatabase();
    store = createPostgresStore({ url: database.url, poolSize: 4 });
    await store.migrate();
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('commits both transactions, one of them on its second run', async () => {
    const holding: Record<'a' | 'b', () => void> = { a: () => {}, b: () => {} };
    const held = { a: new Promise<void>((r) => (holding.a = r)), b: new Promise<void>((r) => (holding.b = r)) };
    const runs = { a: 0, b: 0 };
    const crossing = (first: 'a' | 'b', second: 'a' | 'b') =>
      store.transaction(async (s) => {
        runs[first] += 1;
        await s.lock(`deadlock-test:${first}`);
        // The lock is taken with the next statement that needs an answer: ask one.
        await s.outbox.hasUndispatched();
        holding[first]();
        await held[second];
        await s.lock(`deadlock-test:${second}`);
        await s.outbox.hasUndispatched();
        return first;
      });
    const answers = await Promise.all([crossing('a', 'b'), crossing('b', 'a')]);
    expect(answers).toEqual(['a', 'b']);
    expect(runs.a + runs.b).toBe(3);
  }, 30_000);

  it('answers other errors at once, without running the work again', async () => {
    let runs = 0;
    await expect(
      store.transaction(async (s) => {
        runs += 1;
        await s.outbox.hasUndispatched();
        throw new Error('not a deadlock');
      }),
    ).rejects.toThrow('not a deadlock');
    expect(runs).toBe(1);
  });
});
