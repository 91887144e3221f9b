import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Cleanup,
  countRows,
  type HubStack,
  InboundAnswer,
  mapConcurrent,
  namesField,
  newWebhookSecret,
  startFreshStack,
  startWebhookReceiver,
  waitFor,
  type HubClient,
  type InboundInput,
  type Interaction,
  type Offer,
  type RedisServer,
  type TestDatabase,
  type WebhookReceiver,
} from '../harness/index.js';
import { trackFailures } from '../harness/track-failures.js';

// Scenario 4 of issue 2, on the production shape: separate api and worker processes on a fresh
// PostgreSQL database and a throw-away redis-server, the webhook channel delivering to a loopback receiver.

const SWEEP_INTERVAL_MS = 500;
// Routing and delivery are asynchronous: generous bounds for a loaded 2-core machine.
const ROUTED_WITHIN_MS = 60_000;
const DELIVERED_WITHIN_MS = 60_000;
const TEST_TIMEOUT_MS = 150_000;

const cleanup = new Cleanup();
const failures = trackFailures();
let db: TestDatabase;
let redis: RedisServer;
let receiver: WebhookReceiver;
let stack: HubStack;
let hub: HubClient;
let queueId: string;
let agentId: string;

beforeAll(async () => {
  receiver = await startWebhookReceiver({ secret: newWebhookSecret() });
  cleanup.add('close receiver', () => receiver.close());

  ({ db, redis, stack } = await startFreshStack(cleanup, {
    keepFiles: () => failures.failed,
    env: { WEBHOOK_SIGNING_SECRET: receiver.secret },
    config: {
      hub: {
        delivery: { maxAttempts: 5, baseDelayMs: 200 },
        sweepIntervalMs: SWEEP_INTERVAL_MS,
        channelQueues: { webhook: 'e2e' },
      },
      plugins: [
        {
          id: 'webhook',
          use: '@switchboard/channel-webhook',
          config: { channel: 'webhook', callbackUrl: receiver.url, signingSecret: { env: 'WEBHOOK_SIGNING_SECRET' } },
        },
      ],
    },
  }));
  hub = stack.client;

  // Offers must not expire while a slow machine works through the test.
  const queue = await hub.createQueue({ name: 'e2e', offerTimeoutSeconds: 3600 });
  queueId = queue.id;
  const agent = await hub.createAgent({ name: 'Alice Agent', capacity: { units: 1000 } });
  agentId = agent.id;
  await hub.setPresence(agentId, 'available');
}, 240_000);

afterAll(async () => {
  await cleanup.run();
}, 120_000);

/** Adds the hub processes' output to a failure, which is where the reason usually is. */
const withHubLogs = async <T>(fn: () => Promise<T>): Promise<T> => {
  try {
    return await fn();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${message}\n\n--- hub processes ---\n${stack.describe()}`, { cause: error });
  }
};

const message = (overrides: Partial<InboundInput> & { externalId: string }): InboundInput => ({
  channel: 'webhook',
  from: { kind: 'email', value: 'Ann@Example.com' },
  subject: 'Order 1234',
  text: 'Where is my order?',
  ...overrides,
});

const pendingOfferFor = async (conversationId: string): Promise<Offer | undefined> => {
  const offers = await hub.pendingOffers(agentId);
  return offers.find((offer) => offer.conversationId === conversationId);
};

const outboundOf = async (conversationId: string): Promise<Interaction[]> => {
  const conversation = await hub.conversation(conversationId);
  return conversation.interactions.filter((entry) => entry.direction === 'outbound');
};

const STORE_TABLES = ['customers', 'identities', 'conversations', 'interactions', 'inbound_receipts', 'outbox_events'];

const storeCounts = async (): Promise<Record<string, number>> => {
  const counts: Record<string, number> = {};
  for (const table of STORE_TABLES) counts[table] = await countRows(db.pool, table);
  return counts;
};

describe('walking skeleton on PostgreSQL + Redis, api and worker processes', () => {
  it('answers 401 without a valid key and 403 for a key without the scope, writing nothing', async () => {
    await withHubLogs(async () => {
      const body = message({ externalId: `auth-${randomUUID()}` });
      const before = await storeCounts();

      const anonymous = await hub.post('/v1/inbound', body, { key: null });
      expect(anonymous.status).toBe(401);
      expect(anonymous.contentType).toMatch(/^application\/problem\+json/);

      const wrongKey = await hub.post('/v1/inbound', body, { key: 'sb_not_a_key_0123456789abcdef' });
      expect(wrongKey.status).toBe(401);

      const readKey = await hub.createApiKey(`e2e-read-${randomUUID().slice(0, 8)}`, ['read']);
      const reader = hub.withKey(readKey.key);
      const forbidden = await reader.post('/v1/inbound', body);
      expect(forbidden.status).toBe(403);
      expect(forbidden.contentType).toMatch(/^application\/problem\+json/);
      // The key itself is valid: it may read.
      expect((await reader.get('/v1/queues')).status).toBe(200);

      expect(await storeCounts()).toEqual(before);
    });
  }, TEST_TIMEOUT_MS);

  it('rejects bad input with problem+json naming the field, and writes nothing', async () => {
    await withHubLogs(async () => {
      // Runs before any message is ingested, so no routing is in flight to change the counts.
      const before = await storeCounts();
      const externalId = `bad-${randomUUID()}`;
      const valid = message({ externalId });

      const malformed = await hub.post('/v1/inbound', undefined, { raw: '{"channel": "webhook", "externalId": ' });
      expect(malformed.status, malformed.text).toBe(400);
      expect(malformed.contentType).toMatch(/^application\/problem\+json/);

      const cases: Array<{ name: string; body: unknown; field: string }> = [
        { name: 'missing text', body: { ...valid, text: undefined }, field: 'text' },
        { name: 'wrong-typed subject', body: { ...valid, subject: 42 }, field: 'subject' },
        { name: 'wrong-typed externalId', body: { ...valid, externalId: { id: 1 } }, field: 'externalId' },
        { name: 'invalid email', body: { ...valid, from: { kind: 'email', value: 'not-an-email' } }, field: 'from.value' },
        { name: 'unknown identity kind', body: { ...valid, from: { kind: 'fax', value: '+441632960961' } }, field: 'from.kind' },
      ];
      for (const { name, body, field } of cases) {
        const response = await hub.post('/v1/inbound', body);
        expect(response.status, `${name}: ${response.text}`).toBe(422);
        expect(response.contentType, name).toMatch(/^application\/problem\+json/);
        expect(namesField(response.body, field), `${name}: the problem names '${field}': ${response.text}`).toBe(true);
      }

      // The hub answers a 413 without reading the rest of the body, so it closes the connection and
      // says so; requests after it on the same client must keep working.
      for (let round = 0; round < 5; round += 1) {
        const huge = await hub.post('/v1/inbound', { ...valid, text: 'x'.repeat(1024 * 1024 + 64 * 1024) });
        expect(huge.status, huge.text.slice(0, 300)).toBe(413);
        expect(huge.contentType).toMatch(/^application\/problem\+json/);
        expect((await hub.get('/v1/queues')).status).toBe(200);
      }

      // In a query string too.
      for (const identity of ['fax:123', 'email:not-an-email']) {
        const response = await hub.get(`/v1/customers?identity=${encodeURIComponent(identity)}`);
        expect(response.status, `${identity}: ${response.text}`).toBe(422);
        expect(response.contentType).toMatch(/^application\/problem\+json/);
        expect(namesField(response.body, 'identity'), response.text).toBe(true);
      }

      expect(await storeCounts()).toEqual(before);
      expect(await countRows(db.pool, 'inbound_receipts', 'external_id = $1', [externalId])).toBe(0);
    });
  }, TEST_TIMEOUT_MS);

  it('walks scenario 4: inbound → customer, conversation, offer → accept → signed reply delivered → resolve → timeline → verify', async () => {
    await withHubLogs(async () => {
      const externalId = `walk-${randomUUID()}`;
      const posted = await hub.post('/v1/inbound', message({ externalId }));
      expect(posted.status, posted.text).toBe(202);
      const answer = InboundAnswer.parse(posted.body);
      expect(answer.duplicate).toBe(false);

      // The customer carries the normalised identity, and a lookup in another spelling finds it.
      const customer = await hub.customer(answer.customerId);
      expect(customer.identities).toContainEqual(expect.objectContaining({ kind: 'email', value: 'ann@example.com' }));
      const found = await hub.findCustomers('email:ANN@example.COM');
      expect(found.items.map((item) => item.id)).toEqual([answer.customerId]);

      const fresh = await hub.conversation(answer.conversationId);
      expect(fresh.customerId).toBe(answer.customerId);
      expect(fresh.queueId).toBe(queueId);
      const inbound = fresh.interactions.find((entry) => entry.id === answer.interactionId);
      expect(inbound).toMatchObject({ direction: 'inbound', type: 'message', channel: 'webhook', text: 'Where is my order?' });

      const offer = await waitFor(() => pendingOfferFor(answer.conversationId), {
        timeoutMs: ROUTED_WITHIN_MS,
        intervalMs: 200,
        description: `an offer of conversation ${answer.conversationId} to the agent`,
      });
      expect(offer).toMatchObject({ agentId, queueId, status: 'pending' });
      expect((await hub.conversation(answer.conversationId)).status).toBe('offered');

      await hub.accept(offer.id);
      const assigned = await hub.conversation(answer.conversationId);
      expect(assigned.status).toBe('assigned');
      expect(assigned.assignment?.agentId).toBe(agentId);

      // Non-ASCII text: the signature must cover the bytes on the wire.
      const replyText = `Your order ships today 🚚 — ref ${externalId}`;
      await hub.reply(answer.conversationId, agentId, replyText);
      const [outbound] = await outboundOf(answer.conversationId);
      expect(outbound).toBeDefined();
      if (!outbound) return;
      expect(outbound).toMatchObject({ type: 'message', channel: 'webhook', text: replyText });

      const delivered = await waitFor(
        async () => {
          const [entry] = await outboundOf(answer.conversationId);
          return entry?.delivery?.status === 'delivered' ? entry : undefined;
        },
        { timeoutMs: DELIVERED_WITHIN_MS, intervalMs: 200, description: `delivery of ${outbound.id} to end 'delivered'` },
      );
      expect(delivered.delivery?.attempts ?? 1).toBeGreaterThanOrEqual(1);

      const received = receiver.deliveries.filter((delivery) => delivery.id === outbound.id);
      expect(received, 'exactly one POST for the reply').toHaveLength(1);
      const [post] = received;
      expect(post?.verified, post?.verifyError).toBe(true);
      expect(post?.headers['content-type']).toMatch(/^application\/json/);
      expect(post?.body).toMatchObject({ conversationId: answer.conversationId, customerId: answer.customerId, text: replyText });
      const to: unknown = post?.body !== null && typeof post?.body === 'object' && 'to' in post.body ? post.body.to : undefined;
      expect(to).toMatchObject({ kind: 'email' });
      expect(JSON.stringify(to).toLowerCase()).toContain('"ann@example.com"');

      await hub.resolve(answer.conversationId);
      expect((await hub.conversation(answer.conversationId)).status).toBe('resolved');

      // The timeline is newest first; oldest first it reads inbound, assignment, outbound, status.
      const timeline = await hub.timeline(answer.customerId);
      const entries = timeline.items.filter((entry) => entry.conversationId === answer.conversationId).reverse();
      const kinds = entries.map((entry) => `${entry.direction}:${entry.type}`);
      const expected = ['inbound:message', 'internal:assignment', 'outbound:message', 'internal:status'];
      let at = -1;
      for (const kind of expected) {
        const next = kinds.indexOf(kind, at + 1);
        expect(next, `timeline ${kinds.join(', ')} has ${kind} after position ${at}`).toBeGreaterThan(at);
        at = next;
      }
      expect(kinds.at(-1), `the last entry is the resolution: ${kinds.join(', ')}`).toBe('internal:status');
      const times = entries.map((entry) => Date.parse(entry.occurredAt));
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(entries.find((entry) => entry.id === outbound.id)?.delivery?.status).toBe('delivered');

      const verified = await hub.verify(answer.conversationId);
      expect(verified.ok).toBe(true);
      if (verified.entries !== undefined) expect(verified.entries).toBe(entries.length);
    });
  }, TEST_TIMEOUT_MS);

  it('lists storage, queue and webhook plugins with health up', async () => {
    await withHubLogs(async () => {
      const { items } = await hub.plugins();
      const storage = items.find((plugin) => plugin.kinds.includes('storage'));
      const queue = items.find((plugin) => plugin.kinds.includes('queue'));
      const webhook = items.find((plugin) => plugin.use === '@switchboard/channel-webhook');
      expect(storage?.use).toBe('@switchboard/storage-postgres');
      expect(queue?.use).toBe('@switchboard/queue-bullmq');
      expect(webhook?.id).toBe('webhook');
      for (const plugin of [storage, queue, webhook]) expect(plugin?.health.status, JSON.stringify(plugin)).toBe('up');
    });
  }, TEST_TIMEOUT_MS);

  it('records the same (channel, externalId) posted 50 times concurrently once', async () => {
    await withHubLogs(async () => {
      const externalId = `dup-${randomUUID()}`;
      const body = message({ externalId, from: { kind: 'email', value: `dup-${externalId}@example.com` } });
      const responses = await Promise.all(Array.from({ length: 50 }, () => hub.post('/v1/inbound', body)));
      for (const response of responses) expect(response.status, response.text).toBeGreaterThanOrEqual(200);
      for (const response of responses) expect(response.status, response.text).toBeLessThan(300);
      const answers = responses.map((response) => InboundAnswer.parse(response.body));
      expect(answers.filter((answer) => !answer.duplicate)).toHaveLength(1);
      expect(new Set(answers.map((answer) => answer.interactionId)).size).toBe(1);
      expect(new Set(answers.map((answer) => answer.conversationId)).size).toBe(1);

      expect(await countRows(db.pool, 'interactions', 'channel = $1 AND external_id = $2', ['webhook', externalId])).toBe(1);
      expect(await countRows(db.pool, 'inbound_receipts', 'channel = $1 AND external_id = $2', ['webhook', externalId])).toBe(1);
    });
  }, TEST_TIMEOUT_MS);

  it('loses nothing and doubles nothing when Redis is flushed mid-run', async () => {
    await withHubLogs(async () => {
      const run = randomUUID().slice(0, 8);
      const ingest = (i: number) =>
        hub.inbound(message({ externalId: `flush-${run}-${i}`, from: { kind: 'email', value: `flush-${run}-${i}@example.com` } }));
      const ingestAll = (indexes: number[]) => mapConcurrent(indexes, indexes.length, (i) => ingest(i));
      // With the worker stopped, the api's jobs wait in Redis: the flush is sure to destroy them.
      const flushWhileWorkerIsDown = async (jobPattern: string, work: () => Promise<void>) => {
        await Promise.all(stack.workers.map((worker) => worker.stop()));
        stack.workers.length = 0;
        await work();
        await waitFor(async () => (await redis.keys(jobPattern)).length > 0, {
          timeoutMs: 20_000,
          description: `jobs matching ${jobPattern} in Redis`,
        });
        await redis.flushAll();
        await stack.startWorker();
      };

      const answers = await ingestAll([0, 1, 2]);
      await redis.flushAll();
      await flushWhileWorkerIsDown('*route*', async () => {
        answers.push(...(await ingestAll([3, 4, 5, 6])));
      });
      answers.push(...(await ingestAll([7, 8, 9])));
      await redis.flushAll();
      const conversations = answers.map((answer) => answer.conversationId);
      expect(new Set(conversations).size).toBe(10);

      const offers = await waitFor(
        async () => {
          const pending = await hub.pendingOffers(agentId);
          const mine = conversations.map((id) => pending.find((offer) => offer.conversationId === id));
          return mine.every((offer) => offer !== undefined) ? mine.filter((offer) => offer !== undefined) : undefined;
        },
        { timeoutMs: ROUTED_WITHIN_MS, intervalMs: 250, description: 'an offer for each of the 10 conversations' },
      );
      for (const offer of offers) await hub.accept(offer.id);

      // Delivery jobs are lost the same ways: flushed under a running worker, and while none runs.
      const replyText = (i: number) => `reply ${run} #${i}`;
      for (const i of [0, 1, 2, 3, 4]) await hub.reply(conversations[i] ?? '', agentId, replyText(i));
      await redis.flushAll();
      await flushWhileWorkerIsDown('*deliver*', async () => {
        for (const i of [5, 6, 7, 8, 9]) await hub.reply(conversations[i] ?? '', agentId, replyText(i));
      });

      const outboundIds = await waitFor(
        async () => {
          const ids: string[] = [];
          for (const id of conversations) {
            const [entry] = await outboundOf(id);
            if (entry?.delivery?.status !== 'delivered') return undefined;
            ids.push(entry.id);
          }
          return ids;
        },
        { timeoutMs: DELIVERED_WITHIN_MS, intervalMs: 500, description: 'all 10 replies delivered' },
      );

      // A doubled job would show up within a few sweeps: give it the chance before counting.
      await new Promise((resolve) => setTimeout(resolve, SWEEP_INTERVAL_MS * 6));

      const counts = receiver.countsById();
      for (const [i, id] of outboundIds.entries()) {
        expect(counts.get(id), `deliveries of reply #${i} (${id})`).toBe(1);
        const post = receiver.deliveries.find((delivery) => delivery.id === id);
        expect(post?.verified, post?.verifyError).toBe(true);
        expect(post?.body).toMatchObject({ text: replyText(i) });
      }

      const everyOffer = await hub.allOffers(agentId);
      for (const id of conversations) {
        expect(everyOffer.filter((offer) => offer.conversationId === id), `offers of ${id}`).toHaveLength(1);
      }
      const inboundRows = await countRows(db.pool, 'interactions', "direction = 'inbound' AND external_id LIKE $1", [`flush-${run}-%`]);
      expect(inboundRows).toBe(10);
      const outboundRows = await countRows(db.pool, 'interactions', "direction = 'outbound' AND conversation_id = ANY($1::uuid[])", [conversations]);
      expect(outboundRows).toBe(10);
    });
  }, TEST_TIMEOUT_MS);
});
