import { aCustomer } from '@switchboard/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedStore } from '../typeorm-store.js';

// PGlite has one session: the driver shim must keep transactions from sharing it.
const store = createEmbeddedStore({ dataDir: 'memory://' });
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

beforeAll(() => store.migrate());
afterAll(() => store.close());

describe('concurrent transactions on PGlite', () => {
  it('keeps them apart: the one that throws leaves nothing, the other keeps its writes', async () => {
    const lost = aCustomer();
    const kept = aCustomer();
    let wroteLost: () => void = () => {};
    const lostIsWritten = new Promise<void>((resolve) => {
      wroteLost = resolve;
    });
    const failing = store.transaction(async (s) => {
      await s.customers.insert(lost);
      wroteLost();
      await sleep(100);
      throw new Error('the first transaction fails');
    });
    await lostIsWritten;
    // started while the first is open: with a shared session its COMMIT would also commit `lost`
    const succeeding = store.transaction((s) => s.customers.insert(kept));
    const reading = store.read((s) => s.customers.get(lost.id));

    const [a, b, r] = await Promise.allSettled([failing, succeeding, reading]);
    expect(a.status).toBe('rejected');
    expect(b.status).toBe('fulfilled');
    expect(r).toEqual({ status: 'fulfilled', value: null });
    expect(await store.read((s) => s.customers.get(lost.id))).toBeNull();
    expect(await store.read((s) => s.customers.get(kept.id))).toEqual(kept);
  });

  it('settles many interleaved transactions and reads with exactly the committed writes', async () => {
    const customers = Array.from({ length: 12 }, () => aCustomer());
    const outcomes = await Promise.allSettled(
      customers.map((customer, i) =>
        i % 3 === 0
          ? store.transaction(async (s) => {
              await s.customers.insert(customer);
              await sleep(5);
              throw new Error(`transaction ${i} fails`);
            })
          : store.transaction(async (s) => {
              await sleep(5);
              await s.customers.insert(customer);
              return s.customers.get(customer.id);
            }),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(4);
    const stored = await store.read((s) => Promise.all(customers.map((c) => s.customers.get(c.id))));
    expect(stored.map((c) => c !== null)).toEqual(customers.map((_, i) => i % 3 !== 0));
  });

  it('survives a failing statement without an unhandled rejection and keeps serving', async () => {
    const customer = aCustomer();
    await store.transaction((s) => s.customers.insert(customer));
    await expect(store.transaction((s) => s.customers.insert(customer))).rejects.toThrow();
    await expect(store.sql('SELECT * FROM no_such_table')).rejects.toThrow(/no_such_table/);
    expect(await store.health()).toEqual({ status: 'up' });
  });
});
