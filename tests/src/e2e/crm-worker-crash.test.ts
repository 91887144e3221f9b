import { HubspotFake } from '@switchboard/crm-hubspot/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cleanup, countRows, startFreshStack, waitFor, type HubStack, type TestDatabase } from '../harness/index.js';
import { trackFailures } from '../harness/track-failures.js';

// 200 messages across three channels, logged to HubSpot by a worker that is killed with SIGKILL
// right after HubSpot created an engagement and before the worker heard the answer (so before it
// committed): a new worker logs the rest, and HubSpot ends with exactly 200 engagements, in order.

const MESSAGES = 200;
const KILL_AT = 60;
const TOKEN = 'pat-na1-crash-test';

const cleanup = new Cleanup();
const failures = trackFailures();
const fake = new HubspotFake({ token: TOKEN });
let db: TestDatabase;
let stack: HubStack;

beforeAll(async () => {
  await fake.start();
  cleanup.add('stop the HubSpot fake', () => fake.stop());
  ({ db, stack } = await startFreshStack(cleanup, {
    keepFiles: () => failures.failed,
    env: { HUBSPOT_TOKEN: TOKEN },
    config: {
      hub: { sweepIntervalMs: 500, identity: { rules: ['exact', 'shared-contact', 'crm-match'] }, crm: { leaseSeconds: 2 } },
      plugins: [
        { id: 'webhook', use: '@switchboard/channel-webhook', config: { channel: 'webhook' } },
        { id: 'hubspot', use: '@switchboard/crm-hubspot', config: { accessToken: { env: 'HUBSPOT_TOKEN' }, apiBaseUrl: fake.url, createContacts: true } },
      ],
    },
  }));
}, 240_000);

afterAll(async () => {
  await cleanup.run();
}, 120_000);

describe('CRM sync survives a worker killed between HubSpot’s answer and our commit (PostgreSQL + Redis)', () => {
  it('still exactly 200 engagements on the right contact, in order', async () => {
    const hub = stack.client;
    try {
      const contact = fake.addContact({ email: 'ivy@example.com', firstname: 'Ivy' });
      const first = await hub.post('/v1/inbound', { channel: 'email', externalId: 'crash-0', from: { kind: 'email', value: 'ivy@example.com' }, text: 'message 0' });
      expect(first.status).toBe(202);
      const customerId = (first.body as { customerId: string }).customerId;
      for (const identity of [{ kind: 'phone', value: '+447700900123' }, { kind: 'webchat', value: 'visitor-ivy' }]) {
        expect((await hub.post(`/v1/customers/${customerId}/identities`, identity)).status).toBe(200);
      }

      let killed: Promise<NodeJS.Signals | null> | null = null;
      fake.beforeAnswer = async (call, status) => {
        const created = fake.engagementCreates().length + (status === 201 && /^\/crm\/v3\/objects\/(notes|emails|communications)$/.test(call.path) ? 1 : 0);
        if (killed === null && created >= KILL_AT && status === 201) {
          killed = stack.workers[0]!.kill();
          await killed;
        }
      };
      const senders = [
        ['email', { kind: 'email', value: 'ivy@example.com' }],
        ['sms', { kind: 'phone', value: '+447700900123' }],
        ['webchat', { kind: 'webchat', value: 'visitor-ivy' }],
      ] as const;
      for (let i = 1; i < MESSAGES; i += 1) {
        const [channel, from] = senders[i % 3]!;
        const sent = await hub.post('/v1/inbound', { channel, externalId: `crash-${i}`, from, text: `message ${i}` });
        expect(sent.status).toBe(202);
      }
      await waitFor(() => killed, { timeoutMs: 60_000, description: 'the worker killed mid-sync' });
      expect(await killed).toBe('SIGKILL');
      const atKill = fake.engagementsOf(contact.id).length;
      expect(atKill).toBeLessThan(MESSAGES);
      // The engagement the dead worker never heard about is in HubSpot, its row still `sending`.
      expect(await countRows(db.pool, 'crm_log', "status = 'sending'")).toBeGreaterThanOrEqual(1);
      fake.beforeAnswer = null;
      await stack.startWorker();

      await waitFor(async () => (await countRows(db.pool, 'crm_log', "instance_id = 'hubspot' AND status = 'logged'")) === MESSAGES, {
        timeoutMs: 120_000,
        intervalMs: 500,
        description: `${MESSAGES} entries logged`,
      });
      const engagements = fake.engagementsOf(contact.id);
      expect(engagements).toHaveLength(MESSAGES);
      const markers = engagements.map((e) => /switchboard:([0-9a-f-]{36})/.exec(Object.values(e.properties).join(' '))?.[1]);
      expect(new Set(markers).size).toBe(MESSAGES);
      const ledger = await db.pool.query<{ id: string }>("SELECT id FROM interactions WHERE type = 'message' ORDER BY recorded_at, seq");
      expect(markers).toEqual(ledger.rows.map((r) => r.id));
      // The new worker looked before it created again (the recheck), rather than trusting its log.
      expect(fake.calls.some((c) => c.path.startsWith(`/crm/v4/objects/contacts/${contact.id}/associations/`))).toBe(true);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`${message}\n\n--- hub processes ---\n${stack.describe()}`, { cause: error });
    }
  }, 240_000);
});
