import { aCustomer } from '@switchboard/core/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { inlineParameters } from '../statement-batch.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { createPostgresStore, type TypeormStore } from '../typeorm-store.js';

describe('inlineParameters', () => {
  it('replaces placeholders, never inside quoted text, quoted names or comments', () => {
    const sql = `SELECT $1, '$1 stays', "odd$1", $2 -- $1 stays too\nFROM t WHERE x = $10`;
    const params = ['a', 'b', 3, 4, 5, 6, 7, 8, 9, 'ten'];
    expect(inlineParameters(sql, params)).toBe(`SELECT 'a', '$1 stays', "odd$1", 'b' -- $1 stays too\nFROM t WHERE x = 'ten'`);
  });

  it('refuses a placeholder without a parameter', () => {
    expect(() => inlineParameters('SELECT $2', ['only one'])).toThrow(/\$2 has no parameter/);
  });

  it('leaves SQL without parameters untouched', () => {
    expect(inlineParameters("SELECT '$1'", [])).toBe("SELECT '$1'");
  });
});

// Each value is read back through a parameter and through the inlined literal: the two must agree.
const cases: Array<{ name: string; cast: string; value: unknown }> = [
  { name: 'plain text', cast: 'text', value: 'Hello, world' },
  { name: 'quotes, backslashes and a comment marker', cast: 'text', value: `it's a \\ back'slash\\' -- not a comment; DROP TABLE x;` },
  { name: 'unicode and newlines', cast: 'text', value: 'Grüße\n\t☃ 𝄞 "quoted"' },
  { name: 'a negative number', cast: 'int', value: -42 },
  { name: 'a fraction', cast: 'float8', value: -0.125 },
  { name: 'a boolean', cast: 'boolean', value: false },
  { name: 'null', cast: 'text', value: null },
  { name: 'a date', cast: 'timestamptz', value: new Date('2026-11-22T09:45:12.345Z') },
  { name: 'bytes', cast: 'bytea', value: Buffer.from([0, 1, 39, 92, 255]) },
  { name: 'a JSON document', cast: 'jsonb', value: { text: `a 'quote' and \\ and "double"`, n: [1, null] } },
  { name: 'a text array with awkward elements', cast: 'text[]', value: ['a', 'b,c', '{d}', 'e"f', 'g\\h', "i'j", null, '', 'NULL'] },
  { name: 'a uuid array', cast: 'uuid[]', value: ['0194a3a4-7f6e-7c1e-9a3b-2f1e4d5c6b7a', null] },
  { name: 'a timestamp array', cast: 'timestamptz[]', value: [new Date('2026-01-01T00:00:00Z'), null] },
  { name: 'an int array', cast: 'int[]', value: [1, -2, null] },
  { name: 'a JSON array given as text', cast: 'jsonb[]', value: [JSON.stringify({ a: "b'c" }), null] },
];

describe('inlined literals on PostgreSQL', () => {
  let database: TestDatabase;
  let client: pg.Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  it.each(cases)('$name reads back as through a parameter', async ({ cast, value }) => {
    const viaParameter = await client.query(`SELECT $1::${cast} AS v`, [value]);
    const viaLiteral = await client.query(inlineParameters(`SELECT $1::${cast} AS v`, [value]));
    expect(viaLiteral.rows[0]).toEqual(viaParameter.rows[0]);
  });

  it('means the same when the server reads backslashes as escapes', async () => {
    const value = `back\\slash and 'quote'`;
    await client.query('SET standard_conforming_strings = off');
    try {
      const { rows } = await client.query(inlineParameters('SELECT $1::text AS v', [value]));
      expect(rows[0]).toEqual({ v: value });
    } finally {
      await client.query('SET standard_conforming_strings = on');
    }
  });
});

describe('a transaction holds back what needs no answer', () => {
  let database: TestDatabase;
  let store: TypeormStore;

  beforeAll(async () => {
    database = await createTestDatabase();
    store = createPostgresStore({ url: database.url, poolSize: 2 });
    await store.migrate();
  });

  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  /** The statements strings sent to the server (one per round trip) while `work` runs. */
  const roundTrips = async <T>(work: () => Promise<T>): Promise<{ result: T; sent: string[] }> => {
    const spy = vi.spyOn(pg.Client.prototype, 'query');
    try {
      const result = await work();
      const sent = spy.mock.calls.map(([first]) => (typeof first === 'string' ? first : String((first as { text?: unknown }).text)));
      return { result, sent };
    } finally {
      spy.mockRestore();
    }
  };

  it('sends BEGIN and a lock with the first read, and the writes with COMMIT', async () => {
    const customer = aCustomer();
    const { sent } = await roundTrips(() =>
      store.transaction(async (s) => {
        await s.lock(`customer:${customer.id}`);
        expect(await s.customers.get(customer.id)).toBeNull();
        await s.customers.insertMany([customer]);
        await s.outbox.add([{ type: 'conversation.resolved', conversationId: customer.id }]);
      }),
    );
    expect(sent).toHaveLength(2);
    expect(sent[0]).toMatch(/^BEGIN;\nSELECT pg_advisory_xact_lock[\s\S]*FROM "customers"/);
    expect(sent[1]).toMatch(/^INSERT INTO "customers"[\s\S]*INSERT INTO "outbox_events"[\s\S]*;\nCOMMIT$/);
    expect(await store.read((s) => s.customers.get(customer.id))).toEqual(customer);
  });

  it('sends reads asked for together in one round trip, each with its own answer', async () => {
    const [first, second] = [aCustomer(), aCustomer()];
    await store.transaction((s) => s.customers.insertMany([first, second]));
    const { result, sent } = await roundTrips(() =>
      store.transaction(async (s) => {
        await s.lockAll([`customer:${first.id}`, `customer:${second.id}`]);
        return Promise.all([s.customers.get(second.id), s.customers.get(first.id), s.customers.get(aCustomer().id)]);
      }),
    );
    expect(result).toEqual([second, first, null]);
    // BEGIN, the locks and the three reads; then COMMIT on its own (nothing was held for it).
    expect(sent).toHaveLength(2);
    expect(sent[1]).toBe('COMMIT');
  });

  it('fails every read of a round trip when one of its statements fails, and the commit too', async () => {
    const customer = aCustomer();
    await store.transaction((s) => s.customers.insertMany([customer]));
    let settled: PromiseSettledResult<unknown>[] = [];
    const outcome = store.transaction(async (s) => {
      await s.customers.insertMany([customer]);
      // A caller that swallows the failure must still not see its transaction committed.
      settled = await Promise.allSettled([s.customers.get(customer.id), s.customers.get(customer.id)]);
    });
    await expect(outcome).rejects.toThrow(/rolled back/);
    expect(settled.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(String((settled[0] as PromiseRejectedResult).reason)).toMatch(/duplicate key/);
  });

  it('lets a read see the writes held back before it', async () => {
    const customer = aCustomer();
    const seen = await store.transaction(async (s) => {
      await s.customers.insertMany([customer]);
      return s.customers.get(customer.id);
    });
    expect(seen).toEqual(customer);
  });

  it('fails at commit when a held-back write fails, and keeps nothing of the transaction', async () => {
    const existing = aCustomer();
    await store.transaction((s) => s.customers.insertMany([existing]));
    const fresh = aCustomer({ displayName: 'Ann Private-Name' });
    const failure = await store.transaction((s) => s.customers.insertMany([fresh, existing])).catch((error: unknown) => error);
    expect(String(failure)).toMatch(/duplicate key/);
    // What the error carries of the statements stops before their literals: no customer data.
    expect(JSON.stringify(failure, Object.getOwnPropertyNames(failure))).not.toContain('Private-Name');
    await expect(
      store.transaction(async (s) => {
        await s.customers.insertMany([fresh]);
        await s.customers.insertMany([existing]);
      }),
    ).rejects.toThrow(/duplicate key/);
    expect(await store.read((s) => s.customers.get(fresh.id))).toBeNull();
    // The connection is usable afterwards: the failed transaction was rolled back.
    const after = aCustomer();
    await store.transaction((s) => s.customers.insertMany([after]));
    expect(await store.read((s) => s.customers.get(after.id))).toEqual(after);
  });

  it('sends nothing for a transaction that only held statements back and then threw', async () => {
    const customer = aCustomer();
    const { sent } = await roundTrips(() =>
      store
        .transaction(async (s) => {
          await s.customers.insertMany([customer]);
          throw new Error('changed my mind');
        })
        .catch((error: unknown) => error),
    );
    expect(sent).toEqual([]);
    expect(await store.read((s) => s.customers.get(customer.id))).toBeNull();
  });

  it('sends held writes ahead without waiting, in order, before the read or COMMIT that follows', async () => {
    const [first, second, third] = [aCustomer(), aCustomer(), aCustomer()];
    const { result, sent } = await roundTrips(() =>
      store.transaction(async (s) => {
        await s.customers.insertMany([first]);
        await s.migrationRuns.sendAhead();
        await s.customers.insertMany([second]);
        await s.migrationRuns.sendAhead();
        await s.customers.insertMany([third]);
        return s.customers.getMany([first.id, second.id, third.id]);
      }),
    );
    expect(result.map((c) => c.id).sort()).toEqual([first.id, second.id, third.id].sort());
    expect(sent).toHaveLength(4);
    expect(sent[0]).toMatch(/^BEGIN;\nINSERT INTO "customers"[\s\S]*'[^']*'/);
    expect(sent[0]).toContain(first.id);
    expect(sent[1]).toContain(second.id);
    expect(sent[2]).toMatch(/^INSERT INTO "customers"[\s\S]*FROM "customers"/);
    expect(sent[3]).toBe('COMMIT');
  });

  it('fails the next read and the commit with the error of a write sent ahead, and keeps nothing', async () => {
    const existing = aCustomer();
    await store.transaction((s) => s.customers.insertMany([existing]));
    const fresh = aCustomer();
    let read: unknown;
    const failure = await store
      .transaction(async (s) => {
        await s.customers.insertMany([fresh]);
        await s.customers.insertMany([existing]);
        await s.migrationRuns.sendAhead();
        read = await s.customers.get(fresh.id).catch((error: unknown) => error);
      })
      .catch((error: unknown) => error);
    // The read fails with the duplicate, not only with "current transaction is aborted".
    expect(String(read)).toMatch(/duplicate key/);
    expect(String(failure)).toMatch(/duplicate key/);
    expect(await store.read((s) => s.customers.get(fresh.id))).toBeNull();
    const after = aCustomer();
    await store.transaction((s) => s.customers.insertMany([after]));
    expect(await store.read((s) => s.customers.get(after.id))).toEqual(after);
  });

  it('sends nothing at all for an empty transaction', async () => {
    const { result, sent } = await roundTrips(() => store.transaction(async () => 'done'));
    expect(result).toBe('done');
    expect(sent).toEqual([]);
  });
});
