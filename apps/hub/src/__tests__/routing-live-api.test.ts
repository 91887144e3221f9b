import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
