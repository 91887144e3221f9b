import { exportHub, systemClock } from '@switchboard/core';
import { aCustomer } from '@switchboard/core/testing';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../testing/index.js';
import { createEmbeddedStore, createPostgresStore } from '../typeorm-store.js';

describe('an export of a PostgreSQL store', () => {
  it('is of one moment: rows committed while it runs are not in it, and the header counts what the trailer counts', async () => {
    const database = await createTestDatabase();
    const store = createPostgresStore({ url: database.url, poolSize: 3 });
    try {
      await store.migrate();
      await store.transaction((s) => s.customers.insertMany([aCustomer(), aCustomer(), aCustomer()]));
      const lines = exportHub(store, { clock: systemClock, hubVersion: 'test', pageSize: 1 });
      const header = JSON.parse((await lines.next()).value as string) as { counts: Record<string, number> };
      expect(header.counts['customer']).toBe(3);
      // Written after the export began, before its customer pages are read.
      const late = aCustomer();
      await store.transaction((s) => s.customers.insert(late));
      const rest: string[] = [];
      for await (const line of lines) rest.push(line);
      const trailer = JSON.parse(rest.at(-1)!) as { counts: Record<string, number> };
      expect(trailer.counts).toEqual(header.counts);
      expect(rest.join('')).not.toContain(late.id);
      // The snapshot's connection went back to the pool: the store still reads and writes.
      await store.transaction((s) => s.customers.insert(aCustomer()));
      expect(await store.read((s) => s.portability.count('customer'))).toBe(5);
    } finally {
      await store.close();
      await database.drop();
    }
  });

  it('on PGlite reads page by page: a snapshot would hold its only connection', async () => {
    const store = createEmbeddedStore({ dataDir: 'memory://' });
    try {
      expect(store.snapshot).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
