import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHub, loadHubConfig, type Hub, type HubConfig } from '@switchboard/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, hubCaller, pluginSpec, startEventWebhookReceiver, testHubSettings, waitFor, type EventWebhookReceiver, type TestDatabase } from '../harness/index.js';

// Webhook signing secrets sealed at rest under SWITCHBOARD_SECRET_KEY, on PostgreSQL: what the
// table holds, deliveries still verified by the receiver (the `standardwebhooks` package), a key
// change resealed at the next start, and a hub without the key failing deliveries, saying why.

const ADMIN_KEY = 'secrets-at-rest-admin-key-0123456789abcdef';
const KEY_1 = 'first-secret-key-for-tests-0123456789abcdef';
const KEY_2 = 'second-secret-key-for-tests-0123456789abcdef';
type Json = Record<string, unknown>;

describe('webhook signing secrets sealed at rest (PostgreSQL)', () => {
  let db: TestDatabase;
  let dataDir: string;
  let receiver: EventWebhookReceiver;
  let hub: Hub | undefined;
  const logLines: string[] = [];

  const start = async (keys: { secretKey?: string; previousSecretKeys?: string[] }): Promise<Hub> => {
    const config: HubConfig = {
      port: 0,
      dataDir,
      role: 'all',
      adminKey: ADMIN_KEY,
      logLevel: 'debug',
      configFile: null,
      ...keys,
      hub: testHubSettings({ webhooks: { allowPrivateNetworks: true, timeoutMs: 5000, baseDelayMs: 200, maxDelayMs: 400, disableAfterFailures: 50 } }),
      plugins: [pluginSpec('store', '@switchboard/storage-postgres', { url: { env: 'SECRETS_TEST_DATABASE_URL' } }), pluginSpec('queue', '@switchboard/queue-local', { backoffMs: 20 })],
    };
    const started = await createHub(config, { env: { ...process.env, SECRETS_TEST_DATABASE_URL: db.url }, print: () => {}, logDestination: { write: (line) => logLines.push(line) } });
    await started.start();
    hub = started;
    return started;
  };
  const stop = async () => {
    await hub?.stop(2000);
    hub = undefined;
  };
  const call = hubCaller(() => hub, ADMIN_KEY);
  const stored = async (id: string) => (await db.pool.query<{ secret: string }>('SELECT secret FROM webhook_subscriptions WHERE id = $1', [id])).rows[0]?.secret ?? '';
  let agentId = '';
  let flips = 0;
  /** One presence change: an `agent.presence_changed` event for the subscription. */
  const flip = async () => {
    flips += 1;
    const answer = await call('PUT', `/v1/agents/${agentId}/presence`, { status: flips % 2 === 0 ? 'available' : 'away' });
    expect(answer.status, answer.text).toBe(200);
  };
  const verifiedCount = () => receiver.received.filter((r) => r.verified && r.answered === 200).length;

  beforeAll(async () => {
    [db, receiver] = await Promise.all([createTestDatabase(), startEventWebhookReceiver()]);
    dataDir = await mkdtemp(join(tmpdir(), 'sb-secrets-'));
  }, 60_000);

  afterAll(async () => {
    await stop();
    await receiver?.close();
    await db?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('stores the secret sealed, signs with it, reseals under a new key at start, and without the key fails deliveries saying why', async () => {
    await start({ secretKey: KEY_1 });
    const agent = await call('POST', '/v1/agents', { name: 'Secrets Agent' });
    agentId = String(agent.json['id']);
    const created = await call('POST', '/v1/webhooks', { url: receiver.url, types: ['agent.*'] });
    expect(created.status, created.text).toBe(201);
    const id = String(created.json['id']);
    const secret = String(created.json['secret']);
    receiver.setSecret(secret);

    // In the table: neither the secret nor its key part, in the sealed form.
    const sealed1 = await stored(id);
    expect(sealed1).toMatch(/^sb1\.[A-Za-z0-9_-]{8}\./);
    expect(sealed1).not.toContain(secret.slice('whsec_'.length));
    await flip();
    await waitFor(async () => verifiedCount() >= 1, { timeoutMs: 10_000, description: 'a delivery the receiver verifies with the secret answered at creation' });

    // The key changes (the old one kept as previous): the next start reseals, and signing goes on.
    await stop();
    await start({ secretKey: KEY_2, previousSecretKeys: [KEY_1] });
    const sealed2 = await stored(id);
    expect(sealed2).toMatch(/^sb1\.[A-Za-z0-9_-]{8}\./);
    expect(sealed2.split('.')[1]).not.toBe(sealed1.split('.')[1]);
    expect(logLines.some((l) => l.includes('webhook signing secrets sealed under the current SWITCHBOARD_SECRET_KEY'))).toBe(true);
    await flip();
    await waitFor(async () => verifiedCount() >= 2, { timeoutMs: 10_000, description: 'a delivery signed with the resealed secret' });

    // A hub that lacks the key: the attempt fails with the reason, nothing is sent unsigned, the secret stays sealed.
    await stop();
    const sentBefore = receiver.received.length;
    await start({ secretKey: KEY_1 });
    await flip();
    const failed = await waitFor(async () => {
      const attempts = await call('GET', `/v1/webhooks/${id}/deliveries?limit=50`);
      return (attempts.json['items'] as Json[]).find((a) => a['outcome'] === 'failed');
    }, { timeoutMs: 10_000, description: 'a failed attempt' });
    expect(String(failed['error'])).toContain(`sealed with key ${sealed2.split('.')[1]}`);
    expect(receiver.received.length).toBe(sentBefore);
    expect(await stored(id)).toBe(sealed2);
    for (const line of logLines) expect(line).not.toContain(secret.slice('whsec_'.length));
    for (const line of logLines) expect(line).not.toContain(KEY_1);

    // With the key back, the event the failure held back is delivered (nothing skipped).
    await stop();
    await start({ secretKey: KEY_2 });
    await waitFor(async () => verifiedCount() >= 3, { timeoutMs: 15_000, description: 'the held-back event, delivered once the key is back' });
  }, 120_000);

  it('refuses a key shorter than 32 characters at start, naming the variable', async () => {
    await expect(loadHubConfig({ SWITCHBOARD_SECRET_KEY: 'too-short' }, dataDir)).rejects.toThrow(/SWITCHBOARD_SECRET_KEY: a key is at least 32 characters/);
    await expect(loadHubConfig({ SWITCHBOARD_SECRET_KEY: KEY_1, SWITCHBOARD_SECRET_KEY_PREVIOUS: `${KEY_2}, short` }, dataDir)).rejects.toThrow(/SWITCHBOARD_SECRET_KEY_PREVIOUS/);
    const config = await loadHubConfig({ SWITCHBOARD_SECRET_KEY: KEY_1, SWITCHBOARD_SECRET_KEY_PREVIOUS: `${KEY_2}` }, dataDir);
    expect(config).toMatchObject({ secretKey: KEY_1, previousSecretKeys: [KEY_2] });
  });
});
