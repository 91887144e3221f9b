import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Cleanup,
  countRows,
  type HubStack,
  InboundAnswer,
  mapConcurrent,
  startFreshStack,
  waitFor,
  type HubResponse,
  type TestDatabase,
} from '../harness/index.js';
import { trackFailures } from '../harness/track-failures.js';

// Kill -9 the worker in the middle of 1,000 ingests, while conversations still wait to be routed,
// and start another: the ledger holds exactly 1,000 interactions, and the sweeper gets every lost
// routing job done with each conversation offered exactly once and no agent over capacity.

const MESSAGES = 1_000;
const CONCURRENCY = 16;
const KILL_AFTER = 300;
// Items cost 1 unit: together the agents hold 1,100, so all 1,000 fit, and the smallest capacity
// binds (an even spread would give each about 333), so an offer over capacity shows.
const AGENT_UNITS = [100, 400, 600] as const;
const ROUTED_WITHIN_MS = 150_000;

const cleanup = new Cleanup();
const failures = trackFailures();
let db: TestDatabase;
let stack: HubStack;

beforeAll(async () => {
  ({ db, stack } = await startFreshStack(cleanup, {
    keepFiles: () => failures.failed,
    config: {
      hub: { sweepIntervalMs: 1000, channelQueues: { webhook: 'crash' } },
      // Inbound only: no callbackUrl, nothing is delivered in this test.
      plugins: [{ id: 'webhook', use: '@switchboard/channel-webhook', config: { channel: 'webhook' } }],
    },
  }));
}, 240_000);

afterAll(async () => {
  await cleanup.run();
}, 120_000);

const routedCount = async (): Promise<{ offered: number; pendingOffers: number }> => {
  const offered = await countRows(db.pool, 'conversations', "status = 'offered'");
  const result = await db.pool.query<{ n: string }>(
    "SELECT count(DISTINCT conversation_id)::text AS n FROM offers WHERE status = 'pending'",
  );
  return { offered, pendingOffers: Number(result.rows[0]?.n ?? 0) };
};

describe('worker crash during ingest (PostgreSQL + Redis)', () => {
  it('records exactly 1,000 interactions and routes every conversation after kill -9 of the worker', async () => {
    const hub = stack.client;
    try {
      const queue = await hub.createQueue({ name: 'crash', cost: 1, offerTimeoutSeconds: 3600 });
      const agents = [];
      for (const [i, units] of AGENT_UNITS.entries()) {
        const agent = await hub.createAgent({ name: `Crash Agent ${i}`, capacity: { units } });
        await hub.setPresence(agent.id, 'available');
        agents.push({ ...agent, units });
      }

      const run = randomUUID().slice(0, 8);
      let answered = 0;
      let answeredAtKill = -1;
      let waitingAtKill = -1;
      let killedBy: NodeJS.Signals | null = null;
      let restart: Promise<unknown> | undefined;
      const responses = await mapConcurrent(
        Array.from({ length: MESSAGES }, (_, i) => i),
        CONCURRENCY,
        async (i): Promise<HubResponse> => {
          const response = await hub.post('/v1/inbound', {
            channel: 'webhook',
            externalId: `crash-${run}-${i}`,
            from: { kind: 'email', value: `crash-${run}-${i}@example.com` },
            subject: `Crash test ${i}`,
            text: `message ${i} of the worker crash test`,
          });
          answered += 1;
          if (answered === KILL_AFTER && restart === undefined) {
            // Not awaited: ingests go on while the worker is dead and while the new one boots.
            restart = (async () => {
              const [worker] = stack.workers;
              answeredAtKill = answered;
              waitingAtKill = await countRows(db.pool, 'conversations', "status <> 'offered'");
              killedBy = (await worker?.kill()) ?? null;
              await stack.startWorker();
            })();
          }
          return response;
        },
      );
      await restart;
      expect(killedBy, 'the worker was killed with SIGKILL').toBe('SIGKILL');
      expect(answeredAtKill, 'the worker was killed while ingests went on').toBeLessThan(MESSAGES - CONCURRENCY);
      expect(waitingAtKill, 'conversations were still waiting to be routed when the worker died').toBeGreaterThan(0);

      const failed = responses.filter((response) => response.status !== 202);
      expect(failed.map((response) => `${response.status} ${response.text.slice(0, 200)}`)).toEqual([]);
      const answers = responses.map((response) => InboundAnswer.parse(response.body));
      expect(answers.filter((answer) => answer.duplicate)).toHaveLength(0);
      const conversations = new Set(answers.map((answer) => answer.conversationId));
      expect(conversations.size).toBe(MESSAGES);

      expect(await countRows(db.pool, 'interactions', "direction = 'inbound' AND channel = 'webhook'")).toBe(MESSAGES);
      expect(await countRows(db.pool, 'inbound_receipts', "channel = 'webhook'")).toBe(MESSAGES);

      await waitFor(
        async () => {
          const counts = await routedCount();
          return counts.offered === MESSAGES && counts.pendingOffers === MESSAGES ? counts : undefined;
        },
        { timeoutMs: ROUTED_WITHIN_MS, intervalMs: 1000, description: `all ${MESSAGES} conversations offered` },
      );

      // Routing jobs replayed after the crash made no second offer: one offer row per conversation.
      expect(await countRows(db.pool, 'offers', 'queue_id = $1', [queue.id])).toBe(MESSAGES);

      // Through the API too: every conversation is offered, each to one agent once, none over capacity.
      const offers = [];
      for (const agent of agents) {
        const pending = await hub.pendingOffers(agent.id);
        expect(pending.length, `pending offers of ${agent.name}`).toBeLessThanOrEqual(agent.units);
        offers.push(...pending);
      }
      const offered = new Set(offers.map((offer) => offer.conversationId));
      expect(offers.length).toBe(MESSAGES);
      expect([...conversations].filter((id) => !offered.has(id))).toEqual([]);
      for (const offer of offers) expect(offer.queueId).toBe(queue.id);
      // Still exactly one inbound interaction per message: the crash and the sweeps added none.
      expect(await countRows(db.pool, 'interactions', "direction = 'inbound' AND channel = 'webhook'")).toBe(MESSAGES);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`${message}\n\n--- hub processes ---\n${stack.describe()}`, { cause: error });
    }
  }, 240_000);
});
