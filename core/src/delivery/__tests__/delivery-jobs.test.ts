import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../shared/ports/logger.port.js';
import { isPermanentJobError } from '../../shared/ports/job-queue.port.js';
import type { OutboxEvent } from '../../shared/events.js';
import { InMemoryStore } from '../../testing/in-memory-store.js';
import { aClock, aDelivery, secondsAfter } from '../../testing/mothers.js';
import { DELIVERY_JOBS, deliveryJobs } from '../delivery.jobs.js';
import { DeliverOutbound } from '../use-cases/deliver-outbound.use-case.js';

const setUp = () => {
  const store = new InMemoryStore();
  const clock = aClock();
  const deliver = new DeliverOutbound(store, clock, { find: () => undefined }, silentLogger, { delivery: { maxAttempts: 3, baseDelayMs: 10 } });
  const [send] = deliveryJobs({ deliver });
  if (!send) throw new Error('no delivery job');
  return { store, clock, send };
};

describe('delivery job contribution', () => {
  it('refuses a payload without an interaction id for good', async () => {
    const { send } = setUp();
    expect(send.name).toBe(DELIVERY_JOBS.sendOutbound);
    const error = await send.run({ id: 'j1', name: send.name, payload: { interaction: 'x' }, attempt: 1 }).catch((e: unknown) => e);
    expect(isPermanentJobError(error)).toBe(true);
    expect(String(error)).toContain('interactionId');
  });

  it('plans a send per requested delivery, delayed to notBefore, with the attempt in its job id', async () => {
    const { store, clock, send } = setUp();
    const events: OutboxEvent[] = [
      { id: 'e1', event: { type: 'delivery.requested', interactionId: 'i1', attempt: 1 }, createdAt: clock.now(), dispatchedAt: null },
      { id: 'e2', event: { type: 'conversation.resolved', conversationId: 'c1' }, createdAt: clock.now(), dispatchedAt: null },
      { id: 'e3', event: { type: 'delivery.requested', interactionId: 'i2', attempt: 3, notBefore: secondsAfter(clock.now(), 2).toISOString() }, createdAt: clock.now(), dispatchedAt: null },
    ];
    const planned = await store.read(async (session) => send.plan!(events, { now: clock.now(), session }));
    expect(planned).toEqual([
      { name: DELIVERY_JOBS.sendOutbound, payload: { interactionId: 'i1' }, jobId: 'deliver:i1:1' },
      { name: DELIVERY_JOBS.sendOutbound, payload: { interactionId: 'i2' }, jobId: 'deliver:i2:3', delayMs: 2000 },
    ]);
  });

  it('sweeps the deliveries that are due and not leased', async () => {
    const { store, clock, send } = setUp();
    const now = clock.now();
    const due = aDelivery({ status: 'retrying', nextAttemptAt: secondsAfter(now, -1) });
    const leased = aDelivery({ status: 'pending', leaseUntil: secondsAfter(now, 30) });
    const later = aDelivery({ status: 'retrying', nextAttemptAt: secondsAfter(now, 60) });
    const dead = aDelivery({ status: 'dead' });
    await store.transaction(async (s) => {
      for (const d of [due, leased, later, dead]) await s.deliveries.insert(d);
    });
    expect(await store.read((session) => send.sweep!({ now, bucket: 3, session }))).toEqual([
      { name: DELIVERY_JOBS.sendOutbound, payload: { interactionId: due.interactionId }, jobId: `deliver:${due.interactionId}:sweep:3` },
    ]);
  });
});
