import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobQueue, PermanentJobError, Store, type Job } from '@switchboard/core';
import { createHub, type Hub, type HubConfig, type PluginSpec } from '@switchboard/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, waitFor, type RedisServer } from '../harness/index.js';

// GET /v1/dead-letters, POST /v1/dead-letters/{id}/retry and DELETE /v1/dead-letters/{id} on a real
// hub, once with the in-process queue and once with BullMQ on a throw-away redis-server. The jobs
// that fail are the test's own, registered on the hub's queue.

const ADMIN_KEY = 'dead-letters-test-admin-key-0123456789';
const spec = (id: string, use: string, config: Record<string, unknown>): PluginSpec => ({ id, use, enabled: true, config, resolveFrom: process.cwd(), source: 'test' });
type Json = Record<string, unknown>;

const queues: [string, (redis: () => RedisServer) => PluginSpec][] = [
  ['the in-process queue', () => spec('queue', '@switchboard/queue-local', { backoffMs: 20 })],
  ['BullMQ on Redis', () => spec('queue', '@switchboard/queue-bullmq', { url: { env: 'DEAD_LETTERS_REDIS_URL' }, backoffMs: 20 })],
];

describe.each(queues)('dead letters in the API, on %s', (label, queueSpec) => {
  let hub: Hub;
  let dataDir: string;
  let redis: RedisServer | undefined;
  let broken = true;
  const ran: Job<unknown>[] = [];

  const call = async (method: string, path: string, key = ADMIN_KEY): Promise<{ status: number; json: Json; text: string }> => {
    const response = await hub.fetch(new Request(`http://hub.test${path}`, { method, headers: { authorization: `Bearer ${key}` } }));
    const text = await response.text();
    return { status: response.status, json: text ? (JSON.parse(text) as Json) : {}, text };
  };
  const items = async (query = ''): Promise<Json[]> => {
    const answer = await call('GET', `/v1/dead-letters${query}`);
    expect(answer.status, answer.text).toBe(200);
    return answer.json['items'] as Json[];
  };

  beforeAll(async () => {
    if (label.includes('Redis')) redis = await startRedisServer();
    dataDir = await mkdtemp(join(tmpdir(), 'sb-dead-letters-'));
    const config: HubConfig = {
      port: 0,
      dataDir,
      role: 'all',
      adminKey: ADMIN_KEY,
      logLevel: 'silent',
      configFile: null,
      hub: { bodyLimit: 1024 * 1024, continuityWindowSeconds: 3600, offerExpiry: { setAway: true }, delivery: { maxAttempts: 3, baseDelayMs: 50 }, sweepIntervalMs: 500, channelQueues: {}, identity: { defaultRegion: null, rules: ['exact'] } },
      plugins: [spec('store', '@switchboard/storage-postgres', { dataDir: 'memory://' }), queueSpec(() => redis as RedisServer)],
    };
    hub = await createHub(config, { print: () => {}, env: { ...process.env, DEAD_LETTERS_REDIS_URL: redis?.url ?? '' } });
    await hub.start();
    const queue = hub.container.get<JobQueue>(JobQueue);
    queue.register('test.flaky', async (job) => {
      if (broken) throw new PermanentJobError(`test.flaky: the far end is down (order ${String((job.payload as Json)['order'])})`);
      ran.push(job);
    });
    queue.register('test.other', async () => {
      throw new Error('test.other always fails');
    });
    await queue.enqueue('test.flaky', { order: 1, apiToken: 'tok-secret-123', nested: { password: 'pw-secret-456', keep: 'visible' } }, { jobId: 'flaky:1' });
    await queue.enqueue('test.other', { order: 2 }, { jobId: 'other:2', attempts: 2 });
    await waitFor(async () => ((await queue.failed(10)).length === 2 ? true : undefined), { timeoutMs: 30_000, description: 'two dead letters' });
  }, 120_000);

  afterAll(async () => {
    await hub?.stop(2000);
    await redis?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('lists dead letters with their reason and attempts, filtered by name prefix, paged, secrets redacted', async () => {
    const all = await items();
    expect(all.map((d) => d['id']).sort()).toEqual(['flaky:1', 'other:2']);
    const [flaky] = await items('?name=test.fla');
    expect(flaky).toMatchObject({
      id: 'flaky:1',
      name: 'test.flaky',
      attempts: 1,
      reason: 'test.flaky: the far end is down (order 1)',
      payload: { order: 1, apiToken: '[redacted]', nested: { password: '[redacted]', keep: 'visible' } },
    });
    expect(Number.isNaN(Date.parse(String(flaky?.['failedAt'])))).toBe(false);
    expect(await items('?name=test.other')).toMatchObject([{ id: 'other:2', attempts: 2, reason: 'test.other always fails' }]);
    expect(await items('?name=nothing.')).toEqual([]);

    const first = await call('GET', '/v1/dead-letters?limit=1');
    expect(first.json['items']).toHaveLength(1);
    const second = await call('GET', `/v1/dead-letters?limit=1&cursor=${String(first.json['nextCursor'])}`);
    expect(second.json).toMatchObject({ nextCursor: null });
    expect([...(first.json['items'] as Json[]), ...(second.json['items'] as Json[])].map((d) => d['id']).sort()).toEqual(['flaky:1', 'other:2']);

    const raw = (await call('GET', '/v1/dead-letters')).text;
    expect(raw).not.toContain('tok-secret-123');
    expect(raw).not.toContain('pw-secret-456');
    expect((await call('GET', '/v1/dead-letters?cursor=bm9wZQ')).status).toBe(422);
  });

  it('needs an admin key, and answers 404 for an id that is no dead letter', async () => {
    const reader = await hub.fetch(new Request('http://hub.test/v1/api-keys', { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'reader', scopes: ['read'] }) }));
    const readKey = String(((await reader.json()) as Json)['key']);
    expect((await call('GET', '/v1/dead-letters', readKey)).status).toBe(403);
    expect((await call('POST', '/v1/dead-letters/flaky%3A1/retry', readKey)).status).toBe(403);
    expect((await call('DELETE', '/v1/dead-letters/flaky%3A1', readKey)).status).toBe(403);
    const missing = await call('POST', '/v1/dead-letters/no-such-job/retry');
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ code: 'JOBS.DEAD_LETTER_NOT_FOUND' });
    expect((await call('DELETE', '/v1/dead-letters/no-such-job')).status).toBe(404);
    expect(await items()).toHaveLength(2);
  });

  it('retries a dead letter with its original payload, and discards another, each recorded as an event', async () => {
    broken = false;
    const retried = await call('POST', '/v1/dead-letters/flaky%3A1/retry');
    expect(retried.status, retried.text).toBe(202);
    expect(retried.json).toMatchObject({ id: 'flaky:1', name: 'test.flaky', payload: { apiToken: '[redacted]' } });
    const job = await waitFor(async () => ran[0], { timeoutMs: 30_000, description: 'the retried job ran' });
    // The job itself gets its payload as it was, secrets included: only the API view is redacted.
    expect(job).toMatchObject({ id: 'flaky:1', name: 'test.flaky', attempt: 1, payload: { order: 1, apiToken: 'tok-secret-123' } });

    const discarded = await call('DELETE', '/v1/dead-letters/other%3A2');
    expect(discarded.status, discarded.text).toBe(200);
    expect(discarded.json).toMatchObject({ id: 'other:2', reason: 'test.other always fails', attempts: 2 });
    await waitFor(async () => ((await items()).length === 0 ? true : undefined), { timeoutMs: 10_000, description: 'no dead letters left' });
    expect((await call('DELETE', '/v1/dead-letters/other%3A2')).status).toBe(404);

    const store = hub.container.get<Store>(Store);
    const logged = await waitFor(async () => {
      const events = await store.read((s) => s.eventLog.after(0, ['job.retried', 'job.discarded'], 10));
      return events.length === 2 ? events : undefined;
    }, { timeoutMs: 10_000, description: 'both recorded in the event log' });
    expect(logged.map((e) => e.event)).toEqual([
      { type: 'job.retried', jobId: 'flaky:1', name: 'test.flaky', by: expect.any(String) },
      { type: 'job.discarded', jobId: 'other:2', name: 'test.other', reason: 'test.other always fails', attempts: 2, failedAt: expect.any(String), by: expect.any(String) },
    ]);
  });
});
