import { createHmac } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { DomainEvent, OutboxEvent } from '../../shared/events.js';
import { newId } from '../../shared/ids.js';
import { silentLogger } from '../../shared/ports/logger.port.js';
import { InMemoryStore } from '../../testing/in-memory-store.js';
import type { WebhookRequest, WebhookResponse, WebhookTransport } from '../ports/webhook-transport.port.js';
import { DeliverWebhooks, WEBHOOK_DELIVER_JOB } from '../use-cases/deliver-webhooks.use-case.js';
import { ManageWebhooks } from '../use-cases/manage-webhooks.use-case.js';
import { signWebhook } from '../webhook-signature.js';
import { leaseMs, retryDelayMs, type WebhookSettings } from '../webhook-settings.js';
import { webhookJobs } from '../webhooks.jobs.js';

const T0 = new Date('2026-05-04T10:00:00.000Z');
const settings: WebhookSettings = { allowPrivateNetworks: true, timeoutMs: 1000, baseDelayMs: 1000, maxDelayMs: 8000, disableAfterFailures: 4 };

/** A receiver behind the transport port: records every request and answers what it is told. */
class RecordingTransport implements WebhookTransport {
  readonly requests: WebhookRequest[] = [];
  answers: (number | Error)[] = [];
  async post(request: WebhookRequest): Promise<WebhookResponse> {
    this.requests.push(request);
    const answer = this.answers.shift() ?? 200;
    if (answer instanceof Error) throw answer;
    return { status: answer, bodyExcerpt: answer >= 300 ? 'receiver says no' : '' };
  }
  bodies(): { id: string; seq: number; type: string; data: Record<string, unknown> }[] {
    return this.requests.map((r) => JSON.parse(r.body) as { id: string; seq: number; type: string; data: Record<string, unknown> });
  }
}

const queued = (): DomainEvent => ({ type: 'conversation.queued', conversationId: newId(), queueId: newId() });
const presence = (): DomainEvent => ({ type: 'agent.presence', agentId: newId(), presence: 'available' });

let now: Date;
let store: InMemoryStore;
let transport: RecordingTransport;
let enqueued: { name: string; payload: unknown; jobId?: string | undefined; delayMs?: number | undefined }[];
let manage: ManageWebhooks;
let deliver: DeliverWebhooks;

const clock = { now: () => now };
const jobs = {
  async enqueue(name: string, payload: unknown, options: { jobId?: string; delayMs?: number } = {}) {
    enqueued.push({ name, payload, jobId: options.jobId, delayMs: options.delayMs });
  },
};
const log = async (...events: DomainEvent[]): Promise<OutboxEvent[]> => {
  const outbox = events.map((event) => ({ id: newId(), event, createdAt: now, dispatchedAt: null }));
  await store.transaction((s) => s.eventLog.append(outbox, now));
  return outbox;
};
const subscriptionRow = async (id: string) => {
  const row = await store.read((s) => s.webhooks.get(id));
  if (row === null) throw new Error('no subscription');
  return row;
};

beforeEach(() => {
  now = T0;
  store = new InMemoryStore();
  transport = new RecordingTransport();
  enqueued = [];
  manage = new ManageWebhooks(store, clock, transport, settings, jobs);
  deliver = new DeliverWebhooks(store, clock, transport, settings, jobs, silentLogger);
});

describe('webhook delivery', () => {
  it('starts after the events already logged, delivers the matching ones in order once each, signed, and moves the cursor past the rest', async () => {
    await log(queued());
    const { webhook, secret } = await manage.create({ url: 'https://hooks.example.com/in', types: ['conversation.*'] });
    const events = await log(queued(), presence(), queued(), { type: 'conversation.resolved', conversationId: newId() }, presence());

    await deliver.run(webhook.id);
    const wanted = events.filter((e) => e.event.type.startsWith('conversation.'));
    expect(transport.bodies().map((b) => b.id)).toEqual(wanted.map((e) => e.id));
    expect(transport.bodies().map((b) => b.type)).toEqual(['conversation.queued', 'conversation.queued', 'conversation.resolved']);
    const seqs = transport.bodies().map((b) => b.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    const first = transport.bodies()[0];
    const { type: _type, ...data } = wanted[0]?.event ?? { type: '' };
    expect(first?.data).toEqual(data);

    // The signature, recomputed here from the spec: HMAC-SHA256 over id.timestamp.body with the decoded secret.
    for (const request of transport.requests) {
      const id = request.headers['webhook-id'] ?? '';
      const timestamp = request.headers['webhook-timestamp'] ?? '';
      const expected = createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64')).update(`${id}.${timestamp}.${request.body}`).digest('base64');
      expect(request.headers['webhook-signature']).toBe(`v1,${expected}`);
      expect(timestamp).toBe(String(T0.getTime() / 1000));
      expect(request.headers['content-type']).toBe('application/json');
    }

    const after = await subscriptionRow(webhook.id);
    expect(after.cursor).toBe(await store.read((s) => s.eventLog.latest()));
    expect(after.leaseOwner).toBeNull();
    expect(after.lastDelivery).toMatchObject({ eventId: wanted[2]?.id, outcome: 'delivered', httpStatus: 200 });
    const attempts = await manage.attempts(webhook.id, { limit: 10 });
    expect(attempts.items.map((a) => a.eventId).sort()).toEqual(wanted.map((e) => e.id).sort());

    // Run again: nothing new, nothing sent twice.
    await deliver.run(webhook.id);
    expect(transport.requests).toHaveLength(3);
  });

  it('signs as the Standard Webhooks test vector says', () => {
    const headers = signWebhook({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestamp: new Date(1614265330_000), body: '{"test": 2432232314}' });
    expect(headers).toEqual({ 'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek', 'webhook-timestamp': '1614265330', 'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' });
  });

  it('retries a failed event with the same webhook-id after an exponential backoff, keeping the order', async () => {
    const { webhook } = await manage.create({ url: 'https://hooks.example.com/in', types: ['*'] });
    const [a, b] = await log(queued(), queued());
    transport.answers = [500, new Error('connect ECONNREFUSED 203.0.113.9:443')];

    await deliver.run(webhook.id);
    let row = await subscriptionRow(webhook.id);
    expect(row).toMatchObject({ failures: 1, enabled: true, failingSince: T0, nextAttemptAt: new Date(T0.getTime() + retryDelayMs(settings, 1)) });
    expect(row.lastDelivery).toMatchObject({ eventId: a?.id, outcome: 'failed', httpStatus: 500, error: 'HTTP 500: receiver says no' });
    expect(enqueued).toEqual([{ name: WEBHOOK_DELIVER_JOB, payload: { subscriptionId: webhook.id }, jobId: `webhooks:${webhook.id}:retry:${a?.id}:1`, delayMs: 1000 }]);

    // Too early: the backoff holds.
    await deliver.run(webhook.id);
    expect(transport.requests).toHaveLength(1);

    now = new Date(T0.getTime() + 1000);
    await deliver.run(webhook.id);
    row = await subscriptionRow(webhook.id);
    expect(row).toMatchObject({ failures: 2, nextAttemptAt: new Date(now.getTime() + 2000) });
    expect(row.lastDelivery?.error).toContain('ECONNREFUSED');

    now = new Date(now.getTime() + 2000);
    await deliver.run(webhook.id);
    expect(transport.requests.map((r) => r.headers['webhook-id'])).toEqual([a?.id, a?.id, a?.id, b?.id]);
    row = await subscriptionRow(webhook.id);
    expect(row).toMatchObject({ failures: 0, failingSince: null, nextAttemptAt: null, enabled: true });
    const attempts = (await manage.attempts(webhook.id, { limit: 10 })).items.sort((x, y) => (x.seq ?? 0) - (y.seq ?? 0) || x.attempt - y.attempt);
    expect(attempts.map((x) => [x.eventId, x.attempt, x.outcome])).toEqual([
      [a?.id, 1, 'failed'],
      [a?.id, 2, 'failed'],
      [a?.id, 3, 'delivered'],
      [b?.id, 1, 'delivered'],
    ]);
  });

  it('disables a subscription that keeps failing, with the reason, and resumes at the same event when re-enabled', async () => {
    const { webhook } = await manage.create({ url: 'https://hooks.example.com/in', types: ['conversation.queued'] });
    const [a] = await log(queued());
    transport.answers = [503, 503, 503, 503];
    for (let i = 0; i < settings.disableAfterFailures; i += 1) {
      await deliver.run(webhook.id);
      now = new Date(now.getTime() + settings.maxDelayMs);
    }
    const disabled = await manage.get(webhook.id);
    expect(disabled).toMatchObject({ enabled: false, failures: 4 });
    expect(disabled.disabledReason).toMatch(/^disabled after 4 failed attempts in a row since 2026-05-04T10:00:00.000Z; last: HTTP 503/);
    await deliver.run(webhook.id);
    expect(transport.requests).toHaveLength(4);

    await manage.update(webhook.id, { enabled: true });
    expect(await manage.get(webhook.id)).toMatchObject({ enabled: true, failures: 0, disabledReason: null });
    expect(enqueued.at(-1)).toMatchObject({ name: WEBHOOK_DELIVER_JOB, payload: { subscriptionId: webhook.id } });
    await deliver.run(webhook.id);
    expect(transport.requests.map((r) => r.headers['webhook-id'])).toEqual([a?.id, a?.id, a?.id, a?.id, a?.id]);
    expect((await manage.get(webhook.id)).status).toBe('active');
  });

  it('lets one run at a time hold a subscription; a crashed run\'s lease runs out and the next run carries on', async () => {
    const { webhook } = await manage.create({ url: 'https://hooks.example.com/in', types: ['*'] });
    const [a] = await log(queued());
    // A run that died holding the lease (a killed worker).
    await store.transaction(async (s) => {
      const row = await s.webhooks.get(webhook.id);
      if (row) await s.webhooks.update({ ...row, leaseOwner: newId(), leaseUntil: new Date(now.getTime() + leaseMs(settings)) });
    });
    await deliver.run(webhook.id);
    expect(transport.requests).toHaveLength(0);
    // The sweeper leaves it alone while the lease lives, then plans a job.
    const [deliverJob] = webhookJobs({ deliver, store, clock, retentionSeconds: 3600 });
    const sweep = (bucket: number) => store.read(async (session) => (await deliverJob?.sweep?.({ now, bucket, session })) ?? []);
    expect(await sweep(1)).toEqual([]);
    now = new Date(now.getTime() + leaseMs(settings) + 1);
    expect(await sweep(2)).toEqual([{ name: WEBHOOK_DELIVER_JOB, payload: { subscriptionId: webhook.id }, jobId: `webhooks:${webhook.id}:sweep:2` }]);
    await deliver.run(webhook.id);
    expect(transport.requests.map((r) => r.headers['webhook-id'])).toEqual([a?.id]);
    expect(await sweep(3)).toEqual([]);
  });

  it('sends one event at a time however many runs start at once (several workers), each event once, in order', async () => {
    const { webhook } = await manage.create({ url: 'https://hooks.example.com/in', types: ['*'] });
    const events = await log(...Array.from({ length: 12 }, queued));
    let sending = 0;
    let most = 0;
    const slow: WebhookTransport = {
      post: async (request) => {
        sending += 1;
        most = Math.max(most, sending);
        await new Promise((resolve) => setTimeout(resolve, 3));
        sending -= 1;
        return transport.post(request);
      },
    };
    const runs = Array.from({ length: 4 }, () => new DeliverWebhooks(store, clock, slow, settings, jobs, silentLogger));
    await Promise.all(runs.map((run) => run.run(webhook.id)));
    expect(most).toBe(1);
    expect(transport.bodies().map((b) => b.id)).toEqual(events.map((e) => e.id));
  });

  it('stops when disabled mid-run, keeps what it delivered, lets go of the subscription, and resumes after it', async () => {
    const { webhook } = await manage.create({ url: 'https://hooks.example.com/in', types: ['*'] });
    const events = await log(queued(), queued(), queued());
    const pausing: WebhookTransport = {
      post: async (request) => {
        // The operator disables the subscription while the first event is in flight.
        if (transport.requests.length === 0) await manage.update(webhook.id, { enabled: false });
        return transport.post(request);
      },
    };
    await new DeliverWebhooks(store, clock, pausing, settings, jobs, silentLogger).run(webhook.id);
    expect(transport.requests).toHaveLength(1);
    const paused = await subscriptionRow(webhook.id);
    expect(paused).toMatchObject({ enabled: false, leaseOwner: null, leaseUntil: null });
    expect((await manage.attempts(webhook.id, { limit: 5 })).items).toMatchObject([{ eventId: events[0]?.id, outcome: 'delivered' }]);

    await manage.update(webhook.id, { enabled: true });
    await deliver.run(webhook.id);
    // The event it delivered counts: the cursor is past it.
    const [first] = await store.read((s) => s.eventLog.after(0, null, 1));
    expect(paused.cursor).toBe(first?.seq);
    expect(transport.requests.map((r) => r.headers['webhook-id'])).toEqual(events.map((e) => e.id));
  });

  it('replays the events after a sequence number, in order, also while a run is delivering', async () => {
    const { webhook } = await manage.create({ url: 'https://hooks.example.com/in', types: ['*'] });
    const events = await log(queued(), queued(), queued());
    const logged = await store.read((s) => s.eventLog.after(0, null, 10));
    const [e1, e2, e3] = events.map((e) => e.id);
    await deliver.run(webhook.id);
    expect(transport.requests.map((r) => r.headers['webhook-id'])).toEqual([e1, e2, e3]);

    // After the fact: everything after the first event again.
    transport.requests.length = 0;
    const replayed = await manage.replay(webhook.id, logged[0]?.seq ?? 0);
    expect(replayed.cursor).toBe(logged[0]?.seq);
    expect(enqueued.at(-1)).toMatchObject({ name: WEBHOOK_DELIVER_JOB, payload: { subscriptionId: webhook.id } });
    await deliver.run(webhook.id);
    expect(transport.requests.map((r) => r.headers['webhook-id'])).toEqual([e2, e3]);

    // During a run: the attempt in flight ends, then the run starts over from the replay point.
    transport.requests.length = 0;
    let replayedMidway = false;
    const replaying: WebhookTransport = {
      post: async (request) => {
        if (transport.requests.length === 1 && !replayedMidway) {
          replayedMidway = true;
          await manage.replay(webhook.id, 0);
        }
        return transport.post(request);
      },
    };
    await manage.replay(webhook.id, 0);
    await new DeliverWebhooks(store, clock, replaying, settings, jobs, silentLogger).run(webhook.id);
    expect(transport.requests.map((r) => r.headers['webhook-id'])).toEqual([e1, e2, e1, e2, e3]);
    expect((await subscriptionRow(webhook.id)).cursor).toBe(logged[2]?.seq);

    await expect(manage.replay(webhook.id, -1)).rejects.toMatchObject({ code: 'WEBHOOK.INVALID_REPLAY', field: 'afterSeq' });
    await expect(manage.replay(webhook.id, (logged[2]?.seq ?? 0) + 1)).rejects.toMatchObject({ code: 'WEBHOOK.INVALID_REPLAY' });
  });

  it('plans a job after a relay pass only for the subscriptions the events concern', async () => {
    const conversations = await manage.create({ url: 'https://hooks.example.com/a', types: ['conversation.*'] });
    const sla = await manage.create({ url: 'https://hooks.example.com/b', types: ['sla.breached'] });
    await manage.update(sla.webhook.id, { enabled: false });
    await manage.create({ url: 'https://hooks.example.com/c', types: ['offer.created'] });
    const events = await log(queued(), { type: 'sla.breached', conversationId: newId(), queueId: newId(), kind: 'first_response', dueAt: T0.toISOString() });
    const [deliverJob] = webhookJobs({ deliver, store, clock, retentionSeconds: 3600 });
    const planned = await store.read(async (session) => (await deliverJob?.follow?.(events, { now, session })) ?? []);
    expect(planned).toEqual([{ name: WEBHOOK_DELIVER_JOB, payload: { subscriptionId: conversations.webhook.id }, jobId: `webhooks:${conversations.webhook.id}:events:${events[0]?.id}` }]);
  });
});

describe('webhook subscriptions', () => {
  it('shows the secret once, on creation, and never in a read', async () => {
    const { webhook, secret } = await manage.create({ url: 'https://hooks.example.com/in', types: ['*'], description: 'CRM' });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    for (const shown of [webhook, await manage.get(webhook.id), ...(await manage.list({ limit: 10 })).items, await manage.update(webhook.id, { types: ['offer.*'] })]) {
      expect(JSON.stringify(shown)).not.toContain(secret.slice('whsec_'.length));
      expect(shown).not.toHaveProperty('secret');
    }
  });

  it('refuses URLs that are not http(s), carry credentials, or point at private networks unless allowed', async () => {
    const strict = new ManageWebhooks(store, clock, transport, { ...settings, allowPrivateNetworks: false }, jobs);
    const refused = async (url: string, code: string) => {
      await expect(strict.create({ url, types: ['*'] })).rejects.toMatchObject({ code, field: 'url' });
    };
    await refused('ftp://files.example.com/drop', 'WEBHOOK.INVALID_URL');
    await refused('javascript:alert(1)', 'WEBHOOK.INVALID_URL');
    await refused('not a url', 'WEBHOOK.INVALID_URL');
    await refused('https://user:pass@hooks.example.com/', 'WEBHOOK.INVALID_URL');
    for (const url of ['http://127.0.0.1:8080/x', 'http://localhost/x', 'http://10.1.2.3/', 'http://192.168.0.5/', 'http://172.20.0.1/', 'http://169.254.169.254/latest/meta-data', 'http://[::1]/', 'http://[fd00::1]/', 'http://[::ffff:127.0.0.1]/', 'http://0.0.0.0/']) {
      await refused(url, 'WEBHOOK.PRIVATE_URL');
    }
    await expect(strict.create({ url: 'https://203.0.113.10/hook', types: ['*'] })).resolves.toBeDefined();
    await expect(manage.create({ url: 'http://127.0.0.1:8080/x', types: ['*'] })).resolves.toBeDefined();
    expect((await store.read((s) => s.webhooks.list({ limit: 50 }))).items).toHaveLength(2);
  });

  it('refuses type filters that match no event type, and changes nothing', async () => {
    for (const types of [[], ['conversation'], ['nosuch.event'], ['nosuch.*'], ['Conversation.Queued'], ['conversation.**']]) {
      await expect(manage.create({ url: 'https://hooks.example.com/in', types })).rejects.toMatchObject({ code: 'WEBHOOK.INVALID_TYPES', field: 'types' });
    }
    const { webhook } = await manage.create({ url: 'https://hooks.example.com/in', types: ['conversation.*', 'conversation.*', 'sla.breached'] });
    expect(webhook.types).toEqual(['conversation.*', 'sla.breached']);
    await expect(manage.update(webhook.id, { types: ['nope.nope'] })).rejects.toMatchObject({ code: 'WEBHOOK.INVALID_TYPES' });
    expect((await manage.get(webhook.id)).types).toEqual(['conversation.*', 'sla.breached']);
    await expect(manage.get(newId())).rejects.toMatchObject({ code: 'WEBHOOK.NOT_FOUND', kind: 'not_found' });
  });

  it('rotates the secret: both sign during the grace period, then only the new one', async () => {
    const { webhook, secret: old } = await manage.create({ url: 'https://hooks.example.com/in', types: ['*'] });
    const rotated = await manage.rotateSecret(webhook.id, 60);
    expect(rotated.secret).not.toBe(old);
    expect(rotated.webhook.previousSecretUntil).toEqual(new Date(T0.getTime() + 60_000));
    expect(JSON.stringify(rotated.webhook)).not.toContain(old.slice(6));
    const signature = (secret: string, request: WebhookRequest) =>
      `v1,${createHmac('sha256', Buffer.from(secret.slice(6), 'base64')).update(`${request.headers['webhook-id']}.${request.headers['webhook-timestamp']}.${request.body}`).digest('base64')}`;

    await manage.ping(webhook.id);
    const during = transport.requests[0];
    if (during === undefined) throw new Error('no ping');
    expect(during.headers['webhook-signature']).toBe(`${signature(rotated.secret, during)} ${signature(old, during)}`);

    now = new Date(T0.getTime() + 60_001);
    await manage.ping(webhook.id);
    const after = transport.requests[1];
    if (after === undefined) throw new Error('no ping');
    expect(after.headers['webhook-signature']).toBe(signature(rotated.secret, after));

    const leaked = await manage.rotateSecret(webhook.id, 0);
    expect(leaked.webhook.previousSecretUntil).toBeNull();
    await manage.ping(webhook.id);
    const last = transport.requests[2];
    if (last === undefined) throw new Error('no ping');
    expect(last.headers['webhook-signature']).toBe(signature(leaked.secret, last));
    await expect(manage.rotateSecret(webhook.id, -1)).rejects.toMatchObject({ code: 'WEBHOOK.INVALID_GRACE' });
  });

  it('pings a subscription without moving its cursor or failure count', async () => {
    const { webhook } = await manage.create({ url: 'https://hooks.example.com/in', types: ['*'] });
    transport.answers = [410];
    const ping = await manage.ping(webhook.id);
    expect(ping).toMatchObject({ ok: false, httpStatus: 410, error: 'HTTP 410: receiver says no' });
    expect(JSON.parse(transport.requests[0]?.body ?? '{}')).toMatchObject({ id: ping.id, type: 'webhook.ping', seq: null, data: { webhookId: webhook.id } });
    expect(await manage.get(webhook.id)).toMatchObject({ failures: 0, status: 'active', cursor: webhook.cursor });
    expect((await manage.attempts(webhook.id, { limit: 5 })).items).toMatchObject([{ eventId: ping.id, eventType: 'webhook.ping', outcome: 'failed', httpStatus: 410 }]);
  });
});
