import { beforeEach, describe, expect, it } from 'vitest';
import type { OutboxEvent } from '../../shared/events.js';
import { isPermanentJobError, PermanentJobError, type JobOptions } from '../../shared/ports/job-queue.port.js';
import { InMemoryStore } from '../../testing/in-memory-store.js';
import { aClock, aConversation, anAgent, anOffer, aQueue, aWorkItem, secondsAfter } from '../../testing/mothers.js';
import { ROUTING_JOBS, routingJobs } from '../routing.jobs.js';
import { AnswerOffer } from '../use-cases/answer-offer.use-case.js';
import { ManageRouting } from '../use-cases/manage-routing.use-case.js';
import { ROUTING_PAGE, RouteQueue } from '../use-cases/route-queue.use-case.js';

const outbox = (...events: [string, OutboxEvent['event']][]): OutboxEvent[] =>
  events.map(([id, event]) => ({ id, event, createdAt: new Date(), dispatchedAt: null }));

describe('routing job contributions', () => {
  let store: InMemoryStore;
  let clock: ReturnType<typeof aClock>;
  let enqueued: { name: string; payload: unknown; options: JobOptions | undefined }[];
  let jobs: ReturnType<typeof routingJobs>;
  const job = (name: string) => {
    const found = jobs.find((j) => j.name === name);
    if (!found) throw new Error(`no job ${name}`);
    return found;
  };

  beforeEach(() => {
    store = new InMemoryStore();
    clock = aClock();
    enqueued = [];
    jobs = routingJobs({
      route: new RouteQueue(store, clock),
      offers: new AnswerOffer(store, clock, { setAwayOnOfferExpiry: true }),
      manage: new ManageRouting(store, clock),
      jobs: { enqueue: async (name, payload, options) => void enqueued.push({ name, payload, options }) },
    });
  });

  it('routes on in the same job while pages come full, rather than queue a job behind the others', async () => {
    const queue = aQueue({ skills: {}, cost: 1, offerTimeoutSeconds: 30 });
    await store.transaction(async (s) => {
      await s.queues.insert(queue);
      await s.agents.insert(anAgent({ skills: {}, presence: 'available', capacity: { units: ROUTING_PAGE * 3, perChannel: {} } }));
      const conversations = Array.from({ length: ROUTING_PAGE * 2 + 5 }, () => aConversation({ status: 'queued', queueId: queue.id }));
      await s.conversations.insertMany(conversations);
      await s.workItems.insertMany(conversations.map((c, i) => aWorkItem({ conversationId: c.id, queueId: queue.id, skills: {}, cost: 1, enqueuedAt: secondsAfter(clock.now(), -1000 + i) })));
    });
    expect(await job(ROUTING_JOBS.evaluateQueue).run({ id: 'j1', name: ROUTING_JOBS.evaluateQueue, payload: { queueId: queue.id }, attempt: 1 })).toBe(true);
    expect((await store.read((s) => s.workItems.countByQueue(queue.id))).waiting).toBe(0);
    expect(enqueued.filter((e) => e.name === ROUTING_JOBS.evaluateQueue)).toEqual([]);
  });

  it('names its jobs', () => {
    expect(jobs.map((j) => j.name)).toEqual([ROUTING_JOBS.evaluateQueue, ROUTING_JOBS.expireOffer, ROUTING_JOBS.settlePresence]);
  });

  it.each([
    [ROUTING_JOBS.evaluateQueue, { queueId: 42 }, 'queueId'],
    [ROUTING_JOBS.evaluateQueue, null, 'payload'],
    [ROUTING_JOBS.expireOffer, { offerId: '' }, 'offerId'],
  ])('%s refuses the payload %j for good, naming %s', async (name, payload, where) => {
    const outcome = job(name).run({ id: 'j1', name, payload, attempt: 1 });
    await expect(outcome).rejects.toBeInstanceOf(PermanentJobError);
    await expect(outcome).rejects.toThrow(new RegExp(`^${name}: invalid payload: ${where}: `));
    expect(await outcome.catch(isPermanentJobError)).toBe(true);
  });

  it('handles a valid payload: an expiry that is not due changes nothing and says so', async () => {
    const offer = anOffer({ expiresAt: secondsAfter(clock.now(), 30) });
    await store.transaction((s) => s.offers.insert(offer));
    expect(await job(ROUTING_JOBS.expireOffer).run({ id: 'j2', name: ROUTING_JOBS.expireOffer, payload: { offerId: offer.id }, attempt: 1 })).toBe(false);
    expect((await store.read((s) => s.offers.get(offer.id)))?.status).toBe('pending');
  });

  it('plans one routing pass per queue per relayed batch, and one for every waiting queue when an agent becomes available', async () => {
    const [q1, q2, q3] = ['1a1a1a1a-0000-4000-8000-000000000001', '2b2b2b2b-0000-4000-8000-000000000002', '3c3c3c3c-0000-4000-8000-000000000003'];
    await store.transaction((s) => s.workItems.insertMany([aWorkItem({ queueId: q1 }), aWorkItem({ queueId: q3 }), aWorkItem({ queueId: q3 })]));
    const events = outbox(
      ['e1', { type: 'conversation.queued', conversationId: 'c1', queueId: q1 }],
      ['e2', { type: 'conversation.queued', conversationId: 'c2', queueId: q1 }],
      ['e3', { type: 'conversation.queued', conversationId: 'c3', queueId: q2 }],
      ['e4', { type: 'agent.presence', agentId: 'a1', presence: 'away' }],
    );
    const planned = await store.read(async (session) => job(ROUTING_JOBS.evaluateQueue).plan!(events, { now: clock.now(), session }));
    expect(planned).toEqual([
      { name: ROUTING_JOBS.evaluateQueue, payload: { queueId: q1 }, jobId: `route:${q1}:e1` },
      { name: ROUTING_JOBS.evaluateQueue, payload: { queueId: q2 }, jobId: `route:${q2}:e3` },
    ]);

    const available = [...events, ...outbox(['e5', { type: 'agent.presence', agentId: 'a1', presence: 'available' }])];
    const withAgent = await store.read(async (session) => job(ROUTING_JOBS.evaluateQueue).plan!(available, { now: clock.now(), session }));
    expect(withAgent.map((p) => p.jobId)).toEqual([`route:${q1}:e1`, `route:${q2}:e3`, `route:${q3}:e5`]);
  });

  it('plans the expiry of a new offer for just after it expires', async () => {
    const expiresAt = secondsAfter(clock.now(), 30).toISOString();
    const planned = await store.read(async (session) =>
      job(ROUTING_JOBS.expireOffer).plan!(outbox(['e1', { type: 'offer.created', offerId: 'o1', conversationId: 'c1', agentId: 'a1', expiresAt }]), { now: clock.now(), session }),
    );
    expect(planned).toEqual([{ name: ROUTING_JOBS.expireOffer, payload: { offerId: 'o1' }, jobId: 'expire:o1', delayMs: 30_050 }]);
  });

  it('sweeps the queues with waiting items and the pending offers past their expiry', async () => {
    const queueId = '4d4d4d4d-0000-4000-8000-000000000004';
    const now = clock.now();
    const expired = anOffer({ expiresAt: secondsAfter(now, -5) });
    const notYet = anOffer({ expiresAt: secondsAfter(now, 5) });
    const answered = anOffer({ status: 'declined', expiresAt: secondsAfter(now, -5) });
    await store.transaction(async (s) => {
      await s.workItems.insert(aWorkItem({ queueId }));
      await s.workItems.insert(aWorkItem({ state: 'offered' }));
      for (const o of [expired, notYet, answered]) await s.offers.insert(o);
    });
    const sweep = (name: string) => store.read((session) => job(name).sweep!({ now, bucket: 7, session }));
    expect(await sweep(ROUTING_JOBS.evaluateQueue)).toEqual([{ name: ROUTING_JOBS.evaluateQueue, payload: { queueId }, jobId: `route:${queueId}:sweep:7` }]);
    expect(await sweep(ROUTING_JOBS.expireOffer)).toEqual([{ name: ROUTING_JOBS.expireOffer, payload: { offerId: expired.id }, jobId: `expire:${expired.id}:sweep:7` }]);
  });
});
