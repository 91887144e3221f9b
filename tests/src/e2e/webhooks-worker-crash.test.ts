import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cleanup, startEventWebhookReceiver, startFreshStack, waitFor, type EventWebhookReceiver, type HubStack, type TestDatabase } from '../harness/index.js';
import { trackFailures } from '../harness/track-failures.js';

// Webhooks on PostgreSQL + Redis, an api and a worker process: kill -9 the worker while a
// delivery is in flight and start another. Every event reaches the receiver at least once, the
// first arrivals keep the log's order, and the subscription's cursor ends at the last event.

const EVENTS = 40;
const KILL_AFTER = 10;

const cleanup = new Cleanup();
const failures = trackFailures();
let db: TestDatabase;
let stack: HubStack;
let receiver: EventWebhookReceiver;

beforeAll(async () => {
  receiver = await startEventWebhookReceiver();
  cleanup.add('close the receiver', () => receiver.close());
  ({ db, stack } = await startFreshStack(cleanup, {
    keepFiles: () => failures.failed,
    config: {
      hub: { sweepIntervalMs: 1000, webhooks: { allowPrivateNetworks: true, timeoutMs: 2000, baseDelayMs: 200, maxDelayMs: 1000 } },
      plugins: [],
    },
  }));
}, 240_000);

afterAll(async () => {
  await cleanup.run();
}, 120_000);

describe('webhook delivery across a worker crash (PostgreSQL + Redis)', () => {
  it('delivers every event at least once and in order after kill -9 of the worker mid-delivery', async () => {
    const hub = stack.client;
    try {
      const created = await hub.request('POST', '/v1/webhooks', { url: receiver.url, types: ['agent.presence'] });
      expect(created.status, created.text).toBe(201);
      const subscription = created.body as { id: string; secret: string; cursor: number };
      receiver.setSecret(subscription.secret);
      // A slow receiver: each answer takes a while, so the kill finds one in flight.
      receiver.setDelay(150);

      const agent = await hub.request('POST', '/v1/agents', { name: 'Crash Webhook Agent' });
      expect(agent.status, agent.text).toBe(201);
      const agentId = (agent.body as { id: string }).id;
      for (let i = 0; i < EVENTS; i += 1) {
        const answer = await hub.request('PUT', `/v1/agents/${agentId}/presence`, { status: i % 2 === 0 ? 'available' : 'away' });
        expect(answer.status, answer.text).toBe(200);
      }

      await waitFor(async () => (receiver.received.length >= KILL_AFTER && receiver.inFlight() > 0 ? true : undefined), {
        timeoutMs: 60_000,
        intervalMs: 5,
        description: `${KILL_AFTER} deliveries received and one in flight`,
      });
      const [worker] = stack.workers;
      const receivedAtKill = receiver.received.length;
      expect(await worker?.kill(), 'the worker was killed with SIGKILL').toBe('SIGKILL');
      expect(receivedAtKill, 'killed before the end').toBeLessThan(EVENTS);
      await stack.startWorker();

      const expected = await waitFor(async () => {
        const result = await db.pool.query<{ id: string; seq: string }>("SELECT id, seq FROM event_log WHERE type = 'agent.presence' AND seq > $1 ORDER BY seq", [subscription.cursor]);
        return result.rows.length >= EVENTS ? result.rows.map((r) => r.id) : undefined;
      }, { timeoutMs: 30_000, description: 'every presence event logged' });
      expect(expected).toHaveLength(EVENTS);

      await waitFor(async () => (receiver.deliveredIds().length >= EVENTS ? true : undefined), { timeoutMs: 120_000, intervalMs: 250, description: `all ${EVENTS} events delivered` });
      // Nothing lost, nothing out of order: the first arrival of each event follows the log.
      expect(receiver.deliveredIds()).toEqual(expected);
      expect(receiver.received.every((r) => r.verified), 'every delivery verifies').toBe(true);
      // At least once: an event comes again only if the crash caught it in flight (one) or an
      // attempt failed (a timeout under load, recorded as such); never for nothing.
      const repeats = receiver.received.length - new Set(receiver.received.map((r) => r.id)).size;
      const failedAttempts = Number(
        (await db.pool.query<{ n: string }>("SELECT count(*)::text AS n FROM webhook_attempts WHERE subscription_id = $1 AND outcome = 'failed'", [subscription.id])).rows[0]?.n ?? 0,
      );
      expect(repeats).toBeLessThanOrEqual(1 + failedAttempts);

      const row = await waitFor(async () => {
        const result = await db.pool.query<{ cursor_seq: string; failures: number; enabled: boolean }>('SELECT cursor_seq, failures, enabled FROM webhook_subscriptions WHERE id = $1', [subscription.id]);
        const found = result.rows[0];
        return found && found.cursor_seq === String((await db.pool.query<{ seq: string }>('SELECT max(seq) AS seq FROM event_log')).rows[0]?.seq) ? found : undefined;
      }, { timeoutMs: 30_000, description: 'the cursor at the last event' });
      expect(row).toMatchObject({ failures: 0, enabled: true });
      const shown = await hub.request('GET', `/v1/webhooks/${subscription.id}`);
      expect(shown.body).toMatchObject({ status: 'active', lastDelivery: { outcome: 'delivered', eventId: expected.at(-1) } });

      const key = subscription.secret.slice('whsec_'.length);
      for (const process of [stack.api, ...stack.workers]) expect(process.output()).not.toContain(key);
      expect(shown.text).not.toContain(key);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`${message}\n\n--- hub processes ---\n${stack.describe()}`, { cause: error });
    }
  }, 240_000);
});
