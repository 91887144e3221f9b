import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aCustomer } from '@switchboard/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../migrations/index.js';
import { createEmbeddedStore, createPostgresStore } from '../typeorm-store.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';

const applied = async (store: { sql<Row>(text: string): Promise<Row[]> }) =>
  (await store.sql<{ name: string }>('SELECT name FROM schema_migrations ORDER BY id')).map((r) => r.name);

describe('migrations', () => {
  it('are listed oldest first with unique names', () => {
    const names = migrations.map((m) => new m().name);
    expect(names.length).toBeGreaterThan(0);
    expect(new Set(names).size).toBe(names.length);
  });

  describe('on a PGlite data folder', () => {
    let folder: string;
    beforeAll(async () => {
      folder = await mkdtemp(join(tmpdir(), 'sb-pglite-'));
    });
    afterAll(() => rm(folder, { recursive: true, force: true }));

    it('creates the folder, migrates twice harmlessly, and a reopened folder keeps its data and skips applied migrations', async () => {
      const dataDir = join(folder, 'nested', 'db');
      const customer = aCustomer();
      const first = createEmbeddedStore({ dataDir });
      try {
        await first.migrate();
        await first.migrate();
        await first.transaction((s) => s.customers.insert(customer));
        expect(await applied(first)).toEqual(migrations.map((m) => new m().name));
      } finally {
        await first.close();
      }

      const reopened = createEmbeddedStore({ dataDir });
      try {
        await reopened.migrate();
        expect(await applied(reopened)).toEqual(migrations.map((m) => new m().name));
        expect(await reopened.read((s) => s.customers.get(customer.id))).toEqual(customer);
      } finally {
        await reopened.close();
      }
    });
  });

  describe('on PostgreSQL', () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase();
    });
    afterAll(() => database.drop());

    it('run once when several hub processes migrate at the same time', async () => {
      const first = createPostgresStore({ url: database.url, poolSize: 1 });
      const stores = [first, createPostgresStore({ url: database.url, poolSize: 1 }), createPostgresStore({ url: database.url })];
      try {
        await Promise.all(stores.map((store) => store.migrate()));
        for (const store of stores) await store.migrate();
        expect(await applied(first)).toEqual(migrations.map((m) => new m().name));
      } finally {
        await Promise.all(stores.map((store) => store.close()));
      }
    });
  });
});
