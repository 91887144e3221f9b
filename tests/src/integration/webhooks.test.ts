import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { matchesTypes, Store, type LoggedEvent } from '@switchboard/core';
import { createHub, type Hub, type HubConfig } from '@switchboard/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pluginSpec as spec, startEventWebhookReceiver, testHubSettings, waitFor, type EventWebhookReceiver } from '../harness/index.js';

// Outbound webhooks on the embedded default (PGlite, the in-process queue), in one process whose
// log lines are captured: order and once-only delivery, signatures checked with the
// `standardwebhooks` package, type filters, retries, disabling, pings, and the secret never shown
// again nor logged.

const ADMIN_KEY = 'webhooks-test-admin-key-0123456789abcdef';
type Json = Record<string, unknown>;
type Answer = { status: number; json: Json; text: string; contentType: string };

describe('outbound webhooks on the embedded hub', () => {
  let hub: Hub;
  let dataDir: string;
  const logLines: string[] = [];
  const answers: string[] = [];
  const receivers: EventWebhookReceiver[] = [];
  const secrets: string[] = [];

  const call = async (method: string, path: string, body?: unknown, key = ADMIN_KEY): Promise<Answer> => {
    const response = await hub.fetch(
      new Request(`http://hub.test${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    );
    const text = await response.text();
    answers.push(text);
    return { status: response.status, json: text && response.headers.get('content-type')?.includes('json') ? (JSON.parse(text) as Json) : {}, text, contentType: response.headers.get('content-type') ?? '' };
  };
  const receiver = async (): Promise<EventWebhookReceiver> => {
    const r = await startEventWebhookReceiver();
    receivers.push(r);
    return r;
  };
  const subscribe = async (r: EventWebhookReceiver, types: string[]): Promise<{ id: string; cursor: number }> => {
    const created = await call('POST', '/v1/webhooks', { url: r.url, types, description: `test ${types.join(',')}` });
    expect(created.status, created.text).toBe(201);
    const secret = String(created.json['secret']);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    secrets.push(secret);
    r.setSecret(secret);
    return { id: String(created.json['id']), cursor: Number(created.json['cursor']) };
  };
  const eventsAfter = async (cursor: number, types: string[]): Promise<LoggedEvent[]> => {
    const store = hub.container.get<Store>(Store);
    const all = await store.read((s) => s.eventLog.after(cursor, null, 10_000));
    return all.filter((e) => matchesTypes(types, e.type));
  };
  let agentId = '';
  let flips = 0;
  const flipPresence = async (): Promise<void> => {
    flips += 1;
    const answer = await call('PUT', `/v1/agents/${agentId}/presence`, { status: flips % 2 === 0 ? 'available' : 'away' });
    expect(answer.status, answer.text).toBe(200);
  };
  const attempts = async (id: string): Promise<Json[]> => {
    const answer = await call('GET', `/v1/webhooks/${id}/deliveries?limit=200`);
    expect(answer.status).toBe(200);
    return answer.json['items'] as Json[];
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sb-webhooks-'));
    const config: HubConfig = {
      port: 0,
      dataDir,
      role: 'all',
      adminKey: ADMIN_KEY,
      logLevel: 'debug',
      configFile: null,
      hub: testHubSettings({ webhooks: { allowPrivateNetworks: true, timeoutMs: 5000, baseDelayMs: 300, maxDelayMs: 1200, disableAfterFailures: 5 } }),
      plugins: [spec('store', '@switchboard/storage-postgres', { dataDir: 'memory://' }), spec('queue', '@switchboard/queue-local', { backoffMs: 20 })],
    };
    hub = await createHub(config, { print: () => {}, logDestination: { write: (line) => logLines.push(line) } });
    await hub.start();
    const agent = await call('POST', '/v1/agents', { name: 'Webhook Test Agent' });
    expect(agent.status, agent.text).toBe(201);
    agentId = String(agent.json['id']);
  }, 120_000);

  afterAll(async () => {
    await hub?.stop(2000);
    for (const r of receivers) await r.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('delivers the events of its types in log order, each once, signed; another type filter sees only its own', async () => {
    const agents = await receiver();
    const conversations = await receiver();
    const a = await subscribe(agents, ['agent.*']);
    const c = await subscribe(conversations, ['conversation.queued']);
    for (let i = 0; i < 8; i += 1) await flipPresence();
    for (let i = 0; i < 3; i += 1) {
      const answer = await call('POST', '/v1/inbound', { channel: 'webhook', externalId: `wh-${Date.now()}-${i}`, from: { kind: 'email', value: `wh${i}@example.com` }, text: `hello ${i}` });
      expect(answer.status, answer.text).toBe(202);
    }
    const wantedA = await waitFor(async () => {
      const wanted = await eventsAfter(a.cursor, ['agent.*']);
      return wanted.filter((e) => e.type === 'agent.presence').length >= 8 ? wanted : undefined;
    }, { timeoutMs: 30_000, description: 'presence events logged' });
    const wantedC = await waitFor(async () => {
      const wanted = await eventsAfter(c.cursor, ['conversation.queued']);
      return wanted.length >= 3 ? wanted : undefined;
    }, { timeoutMs: 30_000, description: 'queued events logged' });
    await waitFor(async () => (agents.deliveredIds().length >= wantedA.length && conversations.deliveredIds().length >= wantedC.length ? true : undefined), {
      timeoutMs: 30_000,
      description: 'every event delivered',
    });
    // The sweeper gets its chance to deliver anything twice.
    await new Promise((resolve) => setTimeout(resolve, 1000));

    expect(agents.received.map((r) => r.id)).toEqual(wantedA.map((e) => e.id));
    expect(conversations.received.map((r) => r.id)).toEqual(wantedC.map((e) => e.id));
    for (const r of [...agents.received, ...conversations.received]) {
      expect(r.verified, r.verifyError).toBe(true);
      expect(r.answered).toBe(200);
    }
    const first = agents.received[0];
    const firstEvent = wantedA[0];
    expect(first?.body).toMatchObject({ id: firstEvent?.id, seq: firstEvent?.seq, type: firstEvent?.type, timestamp: firstEvent?.recordedAt.toISOString() });
    expect(first?.body?.data).toMatchObject({ agentId });
    expect(conversations.received.every((r) => r.body?.type === 'conversation.queued')).toBe(true);

    const shown = await call('GET', `/v1/webhooks/${a.id}`);
    expect(shown.json).toMatchObject({ id: a.id, status: 'active', enabled: true, failures: 0, types: ['agent.*'], lastDelivery: { outcome: 'delivered', httpStatus: 200, eventId: wantedA.at(-1)?.id } });
    expect((await attempts(a.id)).map((x) => x['eventId']).reverse()).toEqual(wantedA.map((e) => e.id));
  }, 90_000);

  it('retries an event the receiver refuses, with the same webhook-id, recorded attempt by attempt', async () => {
    const r = await receiver();
    const s = await subscribe(r, ['agent.presence']);
    r.failNext([500, 500, 500]);
    await flipPresence();
    await waitFor(async () => ((await call('GET', `/v1/webhooks/${s.id}`)).json['status'] === 'failing' ? true : undefined), { timeoutMs: 20_000, intervalMs: 20, description: 'status failing' });
    const failing = (await call('GET', `/v1/webhooks/${s.id}`)).json;
    expect(failing).toMatchObject({ status: 'failing', lastDelivery: { outcome: 'failed', httpStatus: 500 } });
    expect(failing['failingSince']).not.toBeNull();
    await waitFor(async () => (r.deliveredIds().length === 1 ? true : undefined), { timeoutMs: 30_000, description: 'delivered after three refusals' });

    const [event] = await eventsAfter(s.cursor, ['agent.presence']);
    expect(r.received.map((x) => [x.id, x.answered])).toEqual([
      [event?.id, 500],
      [event?.id, 500],
      [event?.id, 500],
      [event?.id, 200],
    ]);
    expect(r.received.every((x) => x.verified && x.body?.id === event?.id)).toBe(true);
    // The receiver saw the last answer before the hub recorded it: wait for the record.
    const recorded = await waitFor(async () => {
      const found = await attempts(s.id);
      return found.length === 4 ? found.reverse() : undefined;
    }, { timeoutMs: 10_000, description: 'four attempts recorded' });
    expect(recorded.map((x) => [x['eventId'], x['attempt'], x['outcome'], x['httpStatus']])).toEqual([
      [event?.id, 1, 'failed', 500],
      [event?.id, 2, 'failed', 500],
      [event?.id, 3, 'failed', 500],
      [event?.id, 4, 'delivered', 200],
    ]);
    expect(String(recorded[0]?.['error'])).toContain('HTTP 500');
    expect((await call('GET', `/v1/webhooks/${s.id}`)).json).toMatchObject({ status: 'active', failures: 0, failingSince: null, nextAttemptAt: null });
  }, 60_000);

  it('replays the events after a sequence number, in order', async () => {
    const r = await receiver();
    const s = await subscribe(r, ['agent.presence']);
    for (let i = 0; i < 3; i += 1) await flipPresence();
    const wanted = await waitFor(async () => {
      const logged = await eventsAfter(s.cursor, ['agent.presence']);
      return logged.length === 3 ? logged : undefined;
    }, { timeoutMs: 20_000, description: 'three presence events logged' });
    await waitFor(async () => (r.received.length === 3 ? true : undefined), { timeoutMs: 20_000, description: 'three delivered' });
    const replay = await call('POST', `/v1/webhooks/${s.id}/replay`, { afterSeq: wanted[0]?.seq });
    expect(replay.status, replay.text).toBe(202);
    expect(replay.json).toMatchObject({ cursor: wanted[0]?.seq });
    await waitFor(async () => (r.received.length === 5 ? true : undefined), { timeoutMs: 20_000, description: 'two delivered again' });
    expect(r.received.map((x) => x.id)).toEqual([...wanted.map((e) => e.id), wanted[1]?.id, wanted[2]?.id]);
    expect(r.received.every((x) => x.verified)).toBe(true);
    const bad = await call('POST', `/v1/webhooks/${s.id}/replay`, { afterSeq: 10_000_000 });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('afterSeq');
  }, 60_000);

  it('replays what was recorded since a time, in order', async () => {
    const r = await receiver();
    const s = await subscribe(r, ['agent.presence']);
    await flipPresence();
    const [first] = await waitFor(async () => {
      const logged = await eventsAfter(s.cursor, ['agent.presence']);
      return logged.length === 1 ? logged : undefined;
    }, { timeoutMs: 20_000, description: 'the first presence event logged' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const since = new Date();
    for (let i = 0; i < 2; i += 1) await flipPresence();
    const wanted = await waitFor(async () => {
      const logged = await eventsAfter(s.cursor, ['agent.presence']);
      return logged.length === 3 ? logged : undefined;
    }, { timeoutMs: 20_000, description: 'three presence events logged' });
    await waitFor(async () => (r.received.length === 3 ? true : undefined), { timeoutMs: 20_000, description: 'three delivered' });

    const replay = await call('POST', `/v1/webhooks/${s.id}/replay`, { since: since.toISOString() });
    expect(replay.status, replay.text).toBe(202);
    expect(replay.json).toMatchObject({ cursor: wanted[1]!.seq - 1 });
    await waitFor(async () => (r.received.length === 5 ? true : undefined), { timeoutMs: 20_000, description: 'the two since then delivered again' });
    expect(r.received.map((x) => x.id)).toEqual([first!.id, wanted[1]?.id, wanted[2]?.id, wanted[1]?.id, wanted[2]?.id]);
    for (const body of [{ since: since.toISOString(), afterSeq: 0 }, {}, { since: new Date(Date.now() + 3_600_000).toISOString() }, { since: 'yesterday' }]) {
      const bad = await call('POST', `/v1/webhooks/${s.id}/replay`, body);
      expect(bad.status, JSON.stringify(body)).toBe(422);
    }
  }, 60_000);

  it('disables a subscription that keeps failing, with the reason; re-enabled, it resumes at the same event and loses none', async () => {
    const r = await receiver();
    const s = await subscribe(r, ['agent.presence']);
    r.failNext([503, 503, 503, 503, 503]);
    await flipPresence();
    const disabled = await waitFor(async () => {
      const shown = (await call('GET', `/v1/webhooks/${s.id}`)).json;
      return shown['status'] === 'disabled' ? shown : undefined;
    }, { timeoutMs: 30_000, description: 'disabled after 5 failures' });
    expect(disabled).toMatchObject({ enabled: false, failures: 5 });
    expect(String(disabled['disabledReason'])).toMatch(/^disabled after 5 failed attempts in a row since .*; last: HTTP 503/);
    // Events go on while it is disabled.
    await flipPresence();
    await flipPresence();
    const wanted = await waitFor(async () => {
      const logged = await eventsAfter(s.cursor, ['agent.presence']);
      return logged.length === 3 ? logged : undefined;
    }, { timeoutMs: 20_000, description: 'three presence events logged' });
    expect(r.deliveredIds()).toEqual([]);

    const enabled = await call('PATCH', `/v1/webhooks/${s.id}`, { enabled: true });
    expect(enabled.json).toMatchObject({ status: 'active', enabled: true, failures: 0, disabledReason: null });
    await waitFor(async () => (r.deliveredIds().length === 3 ? true : undefined), { timeoutMs: 30_000, description: 'the three events delivered after re-enabling' });
    expect(r.deliveredIds()).toEqual(wanted.map((e) => e.id));
  }, 60_000);

  it('pings a subscription, refuses bad input with problem+json changing nothing, and needs an admin key', async () => {
    const r = await receiver();
    const s = await subscribe(r, ['sla.breached']);
    const ping = await call('POST', `/v1/webhooks/${s.id}/test`);
    expect(ping.status, ping.text).toBe(200);
    expect(ping.json).toMatchObject({ ok: true, httpStatus: 200, error: null });
    expect(r.received).toHaveLength(1);
    expect(r.received[0]).toMatchObject({ verified: true, id: ping.json['id'], body: { type: 'webhook.ping', seq: null, data: { webhookId: s.id } } });

    const before = (await call('GET', '/v1/webhooks?limit=200')).json['items'] as Json[];
    const refused = async (body: unknown, field: string, status = 422) => {
      const answer = await call('POST', '/v1/webhooks', body);
      expect(answer.status, answer.text).toBe(status);
      expect(answer.contentType).toContain('application/problem+json');
      expect(JSON.stringify(answer.json['errors'] ?? answer.json)).toContain(field);
    };
    await refused({ url: 'ftp://files.example.com/drop', types: ['*'] }, 'url');
    await refused({ url: 'https://user:secret@hooks.example.com/', types: ['*'] }, 'url');
    await refused({ url: 'https://hooks.example.com/', types: ['nope.nope'] }, 'types');
    await refused({ url: 'https://hooks.example.com/', types: [] }, 'types');
    await refused({ url: 'https://hooks.example.com/', types: ['*'], secret: 'whsec_mine' }, 'secret');
    const patched = await call('PATCH', `/v1/webhooks/${s.id}`, { url: 'gopher://old.example.com/' });
    expect(patched.status).toBe(422);
    expect((await call('GET', '/v1/webhooks?limit=200')).json['items']).toEqual(before);

    const reader = await call('POST', '/v1/api-keys', { name: 'reader', scopes: ['read'] });
    const readKey = String(reader.json['key']);
    expect((await call('GET', '/v1/webhooks', undefined, readKey)).status).toBe(403);
    expect((await call('POST', '/v1/webhooks', { url: r.url, types: ['*'] }, readKey)).status).toBe(403);
    expect((await call('GET', '/v1/webhooks/00000000-0000-4000-8000-000000000000')).status).toBe(404);

    expect((await call('DELETE', `/v1/webhooks/${s.id}`)).status).toBe(204);
    expect((await call('GET', `/v1/webhooks/${s.id}`)).status).toBe(404);
    expect((await call('GET', `/v1/webhooks/${s.id}/deliveries`)).status).toBe(404);
  }, 60_000);

  it('rotates the secret: during the grace period a receiver verifies with the old or the new one', async () => {
    const r = await receiver();
    const s = await subscribe(r, ['sla.breached']);
    const old = secrets.at(-1) ?? '';
    const rotated = await call('POST', `/v1/webhooks/${s.id}/rotate-secret`, { graceSeconds: 3600 });
    expect(rotated.status, rotated.text).toBe(200);
    const fresh = String(rotated.json['secret']);
    secrets.push(fresh);
    expect(fresh).not.toBe(old);
    expect(rotated.json['previousSecretUntil']).not.toBeNull();
    await call('POST', `/v1/webhooks/${s.id}/test`);
    r.setSecret(fresh);
    await call('POST', `/v1/webhooks/${s.id}/test`);
    expect(r.received.map((x) => x.verified)).toEqual([true, true]);

    const dropped = await call('POST', `/v1/webhooks/${s.id}/rotate-secret`, { graceSeconds: 0 });
    const newest = String(dropped.json['secret']);
    secrets.push(newest);
    r.setSecret(fresh);
    await call('POST', `/v1/webhooks/${s.id}/test`);
    r.setSecret(newest);
    await call('POST', `/v1/webhooks/${s.id}/test`);
    expect(r.received.map((x) => x.verified)).toEqual([true, true, false, true]);
    expect((await call('GET', `/v1/webhooks/${s.id}`)).json).toMatchObject({ previousSecretUntil: null });
  });

  it('counts delivery attempts by outcome in /metrics', async () => {
    const metrics = await call('GET', '/metrics');
    const count = (outcome: string): number => Number(new RegExp(`switchboard_webhook_deliveries_total\\{outcome="${outcome}"\\} (\\d+)`).exec(metrics.text)?.[1] ?? 0);
    expect(count('delivered')).toBeGreaterThanOrEqual(15);
    // Three refusals in the retry test, four more before the fifth disabled the other subscription
    // (more only if a loopback answer took longer than the timeout on a loaded machine).
    expect(count('failed')).toBeGreaterThanOrEqual(7);
    expect(count('disabled')).toBe(1);
  });

  it('never shows a secret again after creation, in any answer or log line', async () => {
    const list = await call('GET', '/v1/webhooks?limit=200');
    for (const item of list.json['items'] as Json[]) expect(item).not.toHaveProperty('secret');
    await call('GET', '/openapi.json');
    expect(secrets.length).toBeGreaterThanOrEqual(5);
    // The delivery path did log, with its reasons.
    expect(logLines.some((line) => line.includes('webhook delivery failed'))).toBe(true);
    expect(logLines.some((line) => line.includes('webhook subscription disabled'))).toBe(true);
    // Every answer after the creations (each creation answer is the one place its secret appears).
    // (Creations and rotations are the answers that carry a secret, each its own.)
    const creations = answers.filter((text) => text.includes('"secret":"whsec_'));
    expect(creations).toHaveLength(secrets.length);
    for (const secret of secrets) {
      const key = secret.slice('whsec_'.length);
      for (const text of answers.filter((t) => !creations.includes(t))) expect(text).not.toContain(key);
      for (const line of logLines) expect(line).not.toContain(key);
    }
  });
});
