import { describe, expect, it } from 'vitest';
import { InMemoryStore } from '../../testing/in-memory-store.js';
import { aClock, aConversation, aQueue } from '../../testing/mothers.js';
import { slaStatus } from '../sla.js';
import { CheckSla, SlaQueries, subjectOf } from '../use-cases/sla.use-case.js';

const HOUR = 3600;

// New York, Monday–Friday 09:00–17:00; 2026-06-01 is a Monday (EDT, UTC−4).
const queue = aQueue({
  skills: {},
  sla: { firstResponseSeconds: HOUR, resolutionSeconds: 4 * HOUR },
  businessHours: { timeZone: 'America/New_York', weekly: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [{ start: '09:00', end: '17:00' }]])) },
});

const setup = async () => {
  const clock = aClock(new Date('2026-06-01T20:30:00.000Z')); // Monday 16:30 local
  const store = new InMemoryStore();
  await store.transaction((s) => s.queues.insert(queue));
  const open = async (overrides: Parameters<typeof aConversation>[0] = {}) => {
    const conversation = aConversation({ status: 'queued', queueId: queue.id, createdAt: clock.now(), updatedAt: clock.now(), ...overrides });
    await store.transaction((s) => s.conversations.insert(conversation));
    return conversation;
  };
  const breaches = () => store.read(async (s) => (await s.outbox.claimUndispatched(100)).map((e) => e.event).filter((e) => e.type === 'sla.breached'));
  return { clock, store, open, breaches, check: new CheckSla(store, clock), reads: new SlaQueries(store, clock) };
};

describe('SLA clocks', () => {
  it('are due in business time: paused overnight', async () => {
    const { clock, open } = await setup();
    const conversation = await open();
    const subject = subjectOf(conversation);
    if (!subject) throw new Error('no queue');
    expect(slaStatus(subject, queue, clock.now())).toEqual({
      firstResponseDue: new Date('2026-06-02T13:30:00.000Z'), // Tuesday 09:30: 30 min on Monday, 30 on Tuesday
      resolutionDue: new Date('2026-06-02T16:30:00.000Z'), // Tuesday 12:30
      breached: false,
      breaches: [],
    });
    // Overnight, wall time passes the target but business time does not.
    clock.advance(16 * HOUR);
    expect(slaStatus(subject, queue, clock.now())?.breached).toBe(false);
    clock.advance(HOUR); // Tuesday 09:30 local: exactly at the target, not over it
    expect(slaStatus(subject, queue, clock.now())?.breached).toBe(false);
    clock.advance(60);
    expect(slaStatus(subject, queue, clock.now())).toMatchObject({ breached: true, breaches: ['first_response'] });
    expect(slaStatus(subject, queue, new Date('2026-06-02T16:31:00.000Z'))?.breaches).toEqual(['first_response', 'resolution']);
  });

  it('writes sla.breached once per breach, and counts attainment and abandonment over a window', async () => {
    const { clock, open, breaches, check, reads, store } = await setup();
    const late = await open();
    const answered = await open({ firstResponseAt: new Date('2026-06-01T20:50:00.000Z') });
    const abandoned = await open({ status: 'resolved', resolvedAt: new Date('2026-06-01T20:40:00.000Z') });

    clock.advance(16 * HOUR + 30 * 60); // Tuesday 09:00 local: 30 min of business time so far
    expect(await check.run()).toEqual({ breaches: 0, more: false });
    expect(await breaches()).toEqual([]);

    clock.advance(31 * 60); // Tuesday 09:31: the first response of `late` is overdue
    expect((await check.run()).breaches).toBe(1);
    expect(await check.run()).toEqual({ breaches: 0, more: false });
    expect(await breaches()).toEqual([{ type: 'sla.breached', conversationId: late.id, queueId: queue.id, kind: 'first_response', dueAt: '2026-06-02T13:30:00.000Z' }]);
    expect((await store.read((s) => s.sla.verdicts(answered.id))).map((v) => [v.kind, v.met])).toEqual([['first_response', true]]);
    expect((await store.read((s) => s.sla.verdicts(abandoned.id))).map((v) => [v.kind, v.met])).toEqual([
      ['first_response', true],
      ['resolution', true],
    ]);

    const stats = await reads.queueStats(queue.id, 2 * 86_400);
    expect(stats.sla.first_response).toEqual({ met: 2, breached: 1, attainment: 2 / 3 });
    expect(stats.sla.resolution).toEqual({ met: 1, breached: 0, attainment: 1 });
    expect(stats.activity).toEqual({ offered: 0, assigned: 0, abandoned: 1 });
    // A window that ends before anything was decided counts nothing.
    expect((await reads.queueStats(queue.id, 30)).sla.first_response).toEqual({ met: 0, breached: 0, attainment: null });

    const clocks = await reads.clocks([late, answered]);
    expect(clocks.get(late.id)).toMatchObject({ breached: true, breaches: ['first_response'] });
    expect(clocks.get(answered.id)).toMatchObject({ breached: false });
  });
});
