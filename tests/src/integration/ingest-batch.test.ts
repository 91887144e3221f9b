import { DomainError, IngestInbound, systemClock, verifyChain, type IngestResult, type Store, type StoreSession } from '@switchboard/core';
import { anInboundMessage, uniqueToken } from '@switchboard/core/testing';
import { createEmbeddedStore, createPostgresStore, type TypeormStore } from '@switchboard/storage-postgres';
import { createTestDatabase } from '@switchboard/storage-postgres/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const settings = { continuityWindowSeconds: 3600, channelQueues: {} };

/** The real store, except that writing an interaction whose text is `poison` fails. */
const poisoned = (store: Store): Store => ({
  ...store,
  transaction: (work) =>
    store.transaction((session) => {
      const interactions = session.interactions;
      const guarded: StoreSession = {
        ...session,
        interactions: {
          ...interactions,
          get: interactions.get.bind(interactions),
          last: interactions.last.bind(interactions),
          listByConversation: interactions.listByConversation.bind(interactions),
          timeline: interactions.timeline.bind(interactions),
          findConversationByRef: interactions.findConversationByRef.bind(interactions),
          lastInbound: interactions.lastInbound.bind(interactions),
          insert: interactions.insert.bind(interactions),
          getMany: interactions.getMany.bind(interactions),
          lastMany: interactions.lastMany.bind(interactions),
          findConversationsByRefs: interactions.findConversationsByRefs.bind(interactions),
          insertMany: async (entries) => {
            if (entries.some((e) => e.text === 'poison')) throw new Error('simulated database failure');
            await interactions.insertMany(entries);
          },
        },
      };
      return work(guarded);
    }),
});

const engines: [string, () => Promise<{ store: TypeormStore; dispose(): Promise<void> }>][] = [
  ['PGlite', async () => {
    const store = createEmbeddedStore({ dataDir: 'memory://' });
    return { store, dispose: () => store.close() };
  }],
  ['PostgreSQL', async () => {
    const db = await createTestDatabase();
    const store = createPostgresStore({ url: db.url });
    return { store, dispose: async () => { await store.close(); await db.drop(); } };
  }],
];

describe.each(engines)('group-committed ingest on %s', (_engine, make) => {
  let subject: Awaited<ReturnType<typeof make>>;
  beforeAll(async () => {
    subject = await make();
    await subject.store.migrate();
    await subject.store.transaction((s) =>
      s.queues.insert({ id: crypto.randomUUID(), name: 'default', skills: {}, optionalSkills: {}, relaxation: null, strategy: 'longest-idle', sticky: null, cost: 10, offerTimeoutSeconds: 60, sla: null, overflow: null, aging: null, businessHours: null, createdAt: new Date(), updatedAt: new Date() }),
    );
  }, 60_000);
  afterAll(async () => {
    await subject?.dispose();
  });

  it('dedupes, joins and threads messages that share one batch', async () => {
    const sizes: number[] = [];
    const ingest = new IngestInbound(subject.store, systemClock, settings, (size) => sizes.push(size));
    const ann = `ann-${uniqueToken()}@example.com`;
    // A filler takes the transaction in flight; the four messages below are too few to start a
    // second one beside it, so they queue up and share the next.
    const fillers = [1].map((n) => anInboundMessage({ channel: 'webhook', externalId: `f${n}-${uniqueToken()}`, from: { kind: 'email', value: `f${n}-${uniqueToken()}@example.com` } }));
    const first = anInboundMessage({ channel: 'webhook', externalId: `a-${uniqueToken()}`, from: { kind: 'email', value: ann }, text: 'one' });
    const batch = [
      first,
      anInboundMessage({ channel: 'webhook', externalId: `b-${uniqueToken()}`, from: { kind: 'email', value: ann.toUpperCase() }, text: 'two' }),
      { ...first },
      anInboundMessage({ channel: 'webhook', externalId: `c-${uniqueToken()}`, from: { kind: 'email', value: `bob-${uniqueToken()}@example.com` }, threadRefs: [first.externalId], text: 'cc' }),
    ];
    // Submitted together, they queue behind one another and share transactions.
    const [, ...results]: IngestResult[] = await Promise.all([...fillers, ...batch].map((m) => ingest.ingest(m)));
    expect(sizes).toEqual([1, 4]);
    expect(results[2]).toEqual({ ...results[0], duplicate: true });
    expect(results[0]!.duplicate).toBe(false);
    expect(new Set(results.map((r) => r.conversationId)).size).toBe(1);
    expect(results[1]!.customerId).toBe(results[0]!.customerId);
    // A colleague's reply in the thread joins Ann's conversation (and her timeline); he becomes a customer of his own.
    expect(results[3]!.customerId).toBe(results[0]!.customerId);
    const bob = await subject.store.read((s) => s.identities.find({ kind: 'email', value: batch[3]!.from.value }));
    expect(bob?.customerId).toBeDefined();
    expect(bob?.customerId).not.toBe(results[0]!.customerId);
    const entries = await subject.store.read((s) => s.interactions.listByConversation(results[0]!.conversationId));
    expect(entries.map((e) => e.text)).toEqual(['one', 'two', 'cc']);
    expect(verifyChain(entries)).toEqual({ ok: true, entries: 3 });
    const item = await subject.store.read((s) => s.workItems.get(results[0]!.conversationId));
    expect(item?.state).toBe('waiting');

    // Later, the same message again is a duplicate answered from the database.
    expect(await ingest.ingest({ ...first })).toEqual({ ...results[0], duplicate: true });
  });

  it('starts a second transaction beside a running one only once 16 messages wait', async () => {
    const sizes: number[] = [];
    const ingest = new IngestInbound(subject.store, systemClock, settings, (size) => sizes.push(size));
    const messages = Array.from({ length: 21 }, (_, n) =>
      anInboundMessage({ channel: 'webhook', externalId: `s${n}-${uniqueToken()}`, from: { kind: 'email', value: `s${n}-${uniqueToken()}@example.com` } }),
    );
    // The first runs alone; the 16th waiting message starts a second batch; the last 4 wait for both.
    const results = await Promise.all(messages.map((m) => ingest.ingest(m)));
    // The first two may commit in either order; the last starts only when both have ended.
    expect([...sizes.slice(0, 2)].sort((a, b) => a - b)).toEqual([1, 16]);
    expect(sizes[2]).toBe(4);
    expect(new Set(results.map((r) => r.interactionId)).size).toBe(21);
  });

  it('fails only the message that fails, and records the rest of its batch', async () => {
    const ingest = new IngestInbound(poisoned(subject.store), systemClock, settings);
    const messages = ['fine one', 'poison', 'fine two'].map((text) =>
      anInboundMessage({ channel: 'webhook', externalId: `p-${uniqueToken()}`, from: { kind: 'email', value: `p-${uniqueToken()}@example.com` }, text }),
    );
    const settled = await Promise.allSettled(messages.map((m) => ingest.ingest(m)));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    for (const [i, message] of messages.entries()) {
      const receipt = await subject.store.read((s) => s.receipts.find(message.channel, message.externalId));
      expect(receipt === null, message.text).toBe(i === 1);
    }
  });

  it('refuses a NUL character with the field named and writes nothing', async () => {
    const ingest = new IngestInbound(subject.store, systemClock, settings);
    const message = anInboundMessage({ channel: 'webhook', externalId: `n-${uniqueToken()}`, text: 'before\u0000after' });
    const error = await ingest.ingest(message).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ kind: 'invalid', field: 'text' });
    expect(await subject.store.read((s) => s.receipts.find(message.channel, message.externalId))).toBeNull();
  });
});
