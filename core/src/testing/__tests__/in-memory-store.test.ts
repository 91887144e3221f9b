import { describe, expect, it } from 'vitest';
import { newId } from '../../shared/ids.js';
import { InMemoryStore } from '../in-memory-store.js';
import { aCustomer, anInteraction } from '../mothers.js';

// What the store contract cannot ask of every adapter alike (PGlite queues reads behind a
// transaction), asked of the in-memory one: isolation as seen from outside, and its refusals.
describe('InMemoryStore', () => {
  it('hides a transaction’s writes from reads until it commits', async () => {
    const store = new InMemoryStore();
    const customer = aCustomer();
    let written: () => void = () => {};
    const hasWritten = new Promise<void>((resolve) => {
      written = resolve;
    });
    let finish: () => void = () => {};
    const mayFinish = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const tx = store.transaction(async (s) => {
      await s.customers.insert(customer);
      expect(await s.customers.get(customer.id)).toEqual(customer);
      written();
      await mayFinish;
    });
    await hasWritten;
    expect(await store.read((s) => s.customers.get(customer.id))).toBeNull();
    finish();
    await tx;
    expect(await store.read((s) => s.customers.get(customer.id))).toEqual(customer);
  });

  it('runs transactions one at a time, in the order they were asked for', async () => {
    const store = new InMemoryStore();
    const order: string[] = [];
    const slow = store.transaction(async () => {
      order.push('first begins');
      await new Promise((resolve) => setTimeout(resolve, 30));
      order.push('first ends');
    });
    const quick = store.transaction(async () => {
      order.push('second runs');
    });
    await Promise.all([slow, quick]);
    expect(order).toEqual(['first begins', 'first ends', 'second runs']);
  });

  it('keeps its own copies: changing what went in or came out changes nothing stored', async () => {
    const store = new InMemoryStore();
    const customer = aCustomer({ attributes: { tags: ['vip'] } });
    const createdAt = new Date(customer.createdAt);
    await store.transaction((s) => s.customers.insert(customer));
    (customer.attributes['tags'] as string[]).push('changed after insert');
    const read = await store.read((s) => s.customers.get(customer.id));
    (read?.attributes['tags'] as string[]).push('changed after read');
    read?.createdAt.setFullYear(1999);
    const again = await store.read((s) => s.customers.get(customer.id));
    expect(again?.attributes).toEqual({ tags: ['vip'] });
    expect(again?.createdAt).toEqual(createdAt);
  });

  it('stores jsonb fields as JSON: a date in customer attributes comes back as its ISO string', async () => {
    const store = new InMemoryStore();
    const at = new Date('2026-05-01T10:00:00.000Z');
    const customer = aCustomer({ attributes: { since: at, gone: undefined } });
    await store.transaction((s) => s.customers.insert(customer));
    expect((await store.read((s) => s.customers.get(customer.id)))?.attributes).toStrictEqual({ since: at.toISOString() });
  });

  it('refuses every statement after a failed one in the same transaction, and rolls it back', async () => {
    const store = new InMemoryStore();
    const entry = anInteraction();
    const other = aCustomer();
    const outcome = store.transaction(async (s) => {
      await s.interactions.insert(entry);
      await s.interactions.insert(entry).catch(() => undefined);
      await s.customers.insert(other);
    });
    await expect(outcome).rejects.toThrow(/aborted/);
    expect(await store.read((s) => s.interactions.get(entry.id))).toBeNull();
    expect(await store.read((s) => s.customers.get(other.id))).toBeNull();
  });

  it('refuses to commit a transaction that swallowed a failed statement', async () => {
    const store = new InMemoryStore();
    const entry = anInteraction();
    await store.transaction((s) => s.interactions.insert(entry));
    const customer = aCustomer();
    await expect(
      store.transaction(async (s) => {
        await s.customers.insert(customer);
        await s.interactions.insert(entry).catch(() => undefined);
      }),
    ).rejects.toThrow(/rolled back/);
    expect(await store.read((s) => s.customers.get(customer.id))).toBeNull();
  });

  it('refuses a session used after its transaction ended', async () => {
    const store = new InMemoryStore();
    const leaked = await store.transaction(async (s) => s);
    await expect(leaked.customers.get(newId())).rejects.toThrow(/ended/);
  });

  it('reports itself down once closed, and refuses work', async () => {
    const store = new InMemoryStore();
    await store.close();
    expect((await store.health()).status).toBe('down');
    await expect(store.read((s) => s.customers.get(newId()))).rejects.toThrow(/closed/);
  });
});
