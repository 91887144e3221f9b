import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY } from './hub-fixture.js';
import { startHub, startReceiver, waitFor } from './hub-fixture.js';

type Json = Record<string, unknown> & { items?: Record<string, unknown>[] };
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let hub: Awaited<ReturnType<typeof startHub>>;
const call = (...args: Parameters<typeof hub.call>) => hub.call(...args);
let seq = 0;
const unique = (prefix: string) => `${prefix}-${Date.now()}-${(seq += 1)}`;

beforeAll(async () => {
  receiver = await startReceiver();
  hub = await startHub({ callbackUrl: receiver.url });
}, 60_000);

afterAll(async () => {
  await hub?.stop();
  await receiver?.close();
});

const inbound = async (from: string) => {
  const response = await call('POST', '/v1/inbound', { channel: 'webhook', externalId: unique('msg'), from: { kind: 'email', value: from }, text: 'hello' });
  expect(response.status).toBe(202);
  return response.json as { conversationId: string };
};
const defaultQueueId = async () => String(((await call('GET', '/v1/queues')).json.items ?? []).find((q) => q['name'] === 'default')?.['id']);

describe('business hours on queues', () => {
  const hours = {
    timeZone: 'Europe/Berlin',
    weekly: { mon: [{ start: '09:00', end: '12:00' }, { start: '13:00', end: '17:00' }], fri: [{ start: '22:00', end: '02:00' }] },
    holidays: [{ date: '2026-12-25' }, { date: '2026-12-24', open: [{ start: '09:00', end: '12:00' }] }],
  };

  it('stores a valid schedule and answers 422 naming the field for an invalid one, changing nothing', async () => {
    const created = await call('POST', '/v1/queues', { name: unique('hours'), businessHours: hours });
    expect(created.status).toBe(201);
    expect(created.json['businessHours']).toEqual(hours);
    const id = String(created.json['id']);

    const cases: [unknown, string][] = [
      [{ ...hours, weekly: { mon: [{ start: '09:00', end: '25:00' }] } }, 'businessHours.weekly.mon[0].end'],
      [{ ...hours, timeZone: 'Europe/Atlantis' }, 'businessHours.timeZone'],
      [{ ...hours, holidays: [{ date: '2026-13-01' }] }, 'businessHours.holidays[0].date'],
      [{ ...hours, weekly: { funday: [] } }, 'businessHours.weekly.funday'],
    ];
    for (const [businessHours, field] of cases) {
      const answer = await call('PATCH', `/v1/queues/${id}`, { businessHours });
      expect(answer.status).toBe(422);
      expect(answer.type).toContain('application/problem+json');
      expect(answer.json['errors']).toEqual([expect.objectContaining({ field })]);
      const rejected = await call('POST', '/v1/queues', { name: unique('bad'), businessHours });
      expect(rejected.status).toBe(422);
    }
    expect((await call('GET', `/v1/queues/${id}`)).json['businessHours']).toEqual(hours);
    expect((await call('PATCH', `/v1/queues/${id}`, { businessHours: null })).json['businessHours']).toBeNull();
  });
});

describe('SLA clocks and queue stats', () => {
  it('shows the clocks on the conversation, records a breach once, and counts attainment over a window', async () => {
    const queueId = await defaultQueueId();
    expect((await call('PATCH', `/v1/queues/${queueId}`, { sla: { firstResponseSeconds: 1, resolutionSeconds: 3600 } })).status).toBe(200);
    const { conversationId } = await inbound('sla@example.com');

    const before = (await call('GET', `/v1/conversations/${conversationId}`)).json;
    const created = Date.parse(String(before['createdAt']));
    expect(before['sla']).toEqual({
      firstResponseDue: new Date(created + 1000).toISOString(),
      resolutionDue: new Date(created + 3_600_000).toISOString(),
      breached: false,
      breaches: [],
    });

    const breached = await waitFor(async () => {
      const stats = (await call('GET', `/v1/queues/${queueId}/stats?window=PT1H`)).json as Json & { sla: Record<string, Json> };
      return stats.sla['first_response']?.['breached'] === 1 ? stats : null;
    }, 'the breach in the stats');
    expect(breached['window']).toMatchObject({ seconds: 3600 });
    expect(breached.sla['first_response']).toEqual({ met: 0, breached: 1, attainment: 0 });
    expect(breached).toMatchObject({ waiting: 1, offered: 0, assigned: 0, activity: { offered: 0, assigned: 0, abandoned: 0 } });
    expect((await call('GET', `/v1/conversations/${conversationId}`)).json['sla']).toMatchObject({ breached: true, breaches: ['first_response'] });
    const listed = (await call('GET', `/v1/conversations?queue=${queueId}`)).json.items?.find((c) => c['id'] === conversationId);
    expect(listed?.['sla']).toMatchObject({ breached: true });

    // Resolved without an agent: abandoned.
    expect((await call('POST', `/v1/conversations/${conversationId}/resolve`, {})).status).toBe(200);
    const after = (await call('GET', `/v1/queues/${queueId}/stats?window=3600`)).json;
    expect(after).toMatchObject({ waiting: 0, activity: { abandoned: 1 }, window: { seconds: 3600 } });
    await call('PATCH', `/v1/queues/${queueId}`, { sla: null });
  });

  it('takes the window as seconds or an ISO 8601 duration and refuses anything else', async () => {
    const queueId = await defaultQueueId();
    expect((await call('GET', `/v1/queues/${queueId}/stats`)).json['window']).toMatchObject({ seconds: 86_400 });
    expect((await call('GET', `/v1/queues/${queueId}/stats?window=P1DT2H30M`)).json['window']).toMatchObject({ seconds: 95_400 });
    for (const bad of ['abc', '0', 'P', 'PT', 'P400D', '-5']) {
      const answer = await call('GET', `/v1/queues/${queueId}/stats?window=${bad}`);
      expect(answer.status).toBe(422);
      expect(answer.json['errors']).toEqual([expect.objectContaining({ field: expect.stringContaining('window') })]);
    }
  });
});

interface SseEvent {
  id: string;
  event: string;
  data: { id: string; seq: number; type: string; data: Record<string, unknown> };
}

/** Reads server-sent events over real HTTP until `done` says so (or `count` arrived), then hangs up. */
const readEvents = async (url: string, count: number | ((events: SseEvent[]) => boolean), headers: Record<string, string> = {}): Promise<SseEvent[]> => {
  const done = typeof count === 'number' ? (events: SseEvent[]) => events.length >= count : count;
  const controller = new AbortController();
  const response = await fetch(url, { headers: { authorization: `Bearer ${ADMIN_KEY}`, ...headers }, signal: controller.signal });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const reader = response.body?.getReader();
  if (!reader) throw new Error('no body');
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  let buffer = '';
  const timer = setTimeout(() => controller.abort(), 15_000);
  try {
    while (!done(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = Object.fromEntries(block.split('\n').filter((l) => !l.startsWith(':') && l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
        if (fields['data'] !== undefined) events.push({ id: String(fields['id']), event: String(fields['event']), data: JSON.parse(String(fields['data'])) as SseEvent['data'] });
      }
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return events;
};

describe('GET /v1/events', () => {
  let server: ServerType;
  let base: string;
  beforeAll(async () => {
    await new Promise<void>((resolve) => {
      server = serve({ fetch: (request) => hub.hub.fetch(request, {}), port: 0, hostname: '127.0.0.1' }, (info) => {
        base = `http://127.0.0.1:${info.port}`;
        resolve();
      });
    });
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('streams committed events of the asked types in order, and resumes after Last-Event-ID with the same ids', async () => {
    const first = await inbound('sse-1@example.com');
    const second = await inbound('sse-2@example.com');
    // From the start of the log (Last-Event-ID 0), the events of these two conversations.
    const ours = (events: SseEvent[]) => events.filter((e) => [first.conversationId, second.conversationId].includes(String(e.data.data['conversationId'])));
    const events = ours(await readEvents(`${base}/v1/events?types=conversation.queued`, (got) => ours(got).length >= 2, { 'last-event-id': '0' }));
    expect(events.map((e) => e.event)).toEqual(['conversation.queued', 'conversation.queued']);
    expect(events.map((e) => e.data.data['conversationId'])).toEqual([first.conversationId, second.conversationId]);
    expect(Number(events[1]?.id)).toBeGreaterThan(Number(events[0]?.id));

    // While nobody listens, a third; a reconnect after the first gets the second (same id) and the third.
    const third = await inbound('sse-3@example.com');
    const resumed = await readEvents(`${base}/v1/events?types=conversation.queued`, 2, { 'last-event-id': String(events[0]?.id) });
    expect(resumed.map((e) => e.data.data['conversationId'])).toEqual([second.conversationId, third.conversationId]);
    expect(resumed[0]?.id).toBe(events[1]?.id);
    expect(resumed[0]?.data.id).toBe(events[1]?.data.id);

    // Unfiltered, other types come too (the inbound one is queued, then offered or not: at least queued).
    const all = await readEvents(`${base}/v1/events`, 1, { 'last-event-id': String(events[0]?.id) });
    expect(all[0]?.data.seq).toBeGreaterThan(Number(events[0]?.id));
  });

  it('refuses a bad Last-Event-ID or type list with 422, and needs a key', async () => {
    const bad = await fetch(`${base}/v1/events`, { headers: { authorization: `Bearer ${ADMIN_KEY}`, 'last-event-id': 'yesterday' } });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { errors: { field: string }[] }).errors[0]?.field).toBe('Last-Event-ID');
    const badTypes = await fetch(`${base}/v1/events?types=DROP TABLE`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(badTypes.status).toBe(422);
    expect((await fetch(`${base}/v1/events`)).status).toBe(401);
  });
});
