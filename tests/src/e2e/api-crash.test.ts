import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Cleanup,
  countRows,
  HubProcess,
  type HubStack,
  InboundAnswer,
  mapConcurrent,
  startFreshStack,
  type TestDatabase,
} from '../harness/index.js';
import { trackFailures } from '../harness/track-failures.js';

// Kill -9 the api process in the middle of ingests. Nothing it acknowledged may be missing, and a
// source that retries everything gets each message recorded exactly once: what was committed but
// never answered comes back as a duplicate.

const MESSAGES = 600;
const CONCURRENCY = 16;
const KILL_AFTER = 200;

const cleanup = new Cleanup();
const failures = trackFailures();
let db: TestDatabase;
let stack: HubStack;

beforeAll(async () => {
  ({ db, stack } = await startFreshStack(cleanup, {
    keepFiles: () => failures.failed,
    config: { plugins: [{ id: 'webhook', use: '@switchboard/channel-webhook', config: { channel: 'webhook' } }] },
  }));
}, 240_000);

afterAll(async () => {
  await cleanup.run();
}, 120_000);

const message = (run: string, i: number) => ({
  channel: 'webhook',
  externalId: `api-crash-${run}-${i}`,
  from: { kind: 'email', value: `api-crash-${run}-${i}@example.com` },
  text: `message ${i} of the api crash test`,
});

describe('api crash during ingest (PostgreSQL + Redis)', () => {
  it('loses nothing it acknowledged, and records each message once when the source retries', async () => {
    try {
      const run = randomUUID().slice(0, 8);
      const acknowledged = new Map<number, string>();
      let answered = 0;
      let killed: Promise<NodeJS.Signals | null> | undefined;
      const client = stack.client;
      await mapConcurrent(
        Array.from({ length: MESSAGES }, (_, i) => i),
        CONCURRENCY,
        async (i) => {
          // After the kill, requests fail to connect: the source keeps them for its retry.
          const response = await client.post('/v1/inbound', message(run, i), { timeoutMs: 15_000 }).catch(() => null);
          if (response?.status !== 202) return;
          acknowledged.set(i, InboundAnswer.parse(response.body).interactionId);
          answered += 1;
          if (answered === KILL_AFTER) killed ??= stack.api.kill();
        },
      );
      expect(await killed).toBe('SIGKILL');
      expect(acknowledged.size).toBeGreaterThanOrEqual(KILL_AFTER);
      expect(acknowledged.size, 'the api died before all messages were answered').toBeLessThan(MESSAGES);

      // Every acknowledged message is in the ledger, under the interaction id it was answered with.
      const stored = await db.pool.query<{ external_id: string; interaction_id: string }>(
        'SELECT r.external_id, r.interaction_id FROM inbound_receipts r JOIN interactions i ON i.id = r.interaction_id WHERE r.channel = $1',
        ['webhook'],
      );
      const storedById = new Map(stored.rows.map((r) => [r.external_id, r.interaction_id]));
      for (const [i, interactionId] of acknowledged) expect(storedById.get(message(run, i).externalId), `message ${i}`).toBe(interactionId);

      // A new api process; the source sends everything again.
      const api = await HubProcess.start({ role: 'api', name: 'api-2', env: stack.env, logDir: stack.dir });
      stack.api = api;
      const again = await mapConcurrent(
        Array.from({ length: MESSAGES }, (_, i) => i),
        CONCURRENCY,
        async (i) => {
          const response = await stack.client.post('/v1/inbound', message(run, i));
          expect(response.status, response.text.slice(0, 200)).toBe(202);
          return { i, answer: InboundAnswer.parse(response.body) };
        },
      );
      for (const { i, answer } of again) {
        const first = acknowledged.get(i);
        if (first !== undefined) expect(answer, `message ${i}`).toMatchObject({ interactionId: first, duplicate: true });
        // Committed before the kill but never answered: also a duplicate now, with the stored id.
        else if (storedById.has(message(run, i).externalId)) expect(answer).toMatchObject({ interactionId: storedById.get(message(run, i).externalId), duplicate: true });
        else expect(answer.duplicate, `message ${i}`).toBe(false);
      }
      expect(await countRows(db.pool, 'interactions', "channel = 'webhook' AND direction = 'inbound'")).toBe(MESSAGES);
      expect(await countRows(db.pool, 'inbound_receipts', "channel = 'webhook'")).toBe(MESSAGES);
      expect(await countRows(db.pool, 'conversations')).toBe(MESSAGES);
      // Every conversation waits in its queue (no agent is available): none was half-written.
      expect(await countRows(db.pool, 'work_items')).toBe(MESSAGES);
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      throw new Error(`${text}\n\n--- hub processes ---\n${stack.describe()}`, { cause: error });
    }
  }, 240_000);
});
