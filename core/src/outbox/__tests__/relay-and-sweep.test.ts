import { beforeEach, describe, expect, it } from 'vitest';
import { deliveryJobs } from '../../delivery/delivery.jobs.js';
import { DeliverOutbound } from '../../delivery/use-cases/deliver-outbound.use-case.js';
import { IngestInbound } from '../../inbound/use-cases/ingest-inbound.use-case.js';
import { ROUTING_JOBS, routingJobs } from '../../routing/routing.jobs.js';
import { AnswerOffer } from '../../routing/use-cases/answer-offer.use-case.js';
import { ManageRouting } from '../../routing/use-cases/manage-routing.use-case.js';
import { RouteQueue } from '../../routing/use-cases/route-queue.use-case.js';
import type { JobOptions, JobQueue } from '../../shared/ports/job-queue.port.js';
import { silentLogger } from '../../shared/ports/logger.port.js';
import { InMemoryStore } from '../../testing/in-memory-store.js';
import { aClock, aDelivery, anInboundMessage } from '../../testing/mothers.js';
import { enqueuePlanned, RelayOutbox } from '../use-cases/relay-outbox.use-case.js';
import { Sweep } from '../use-cases/sweep.use-case.js';

/** A job queue that only remembers what it was given, and can be told to fail. */
const recordingQueue = () => {
  const enqueued: { name: string; payload: unknown; options: JobOptions | undefined }[] = [];
  let failNext = false;
  const queue: JobQueue = {
    enqueue: async (name, payload, options) => {
      if (failNext) {
        failNext = false;
        throw new Error('queue unavailable');
      }
      enqueued.push({ name, payload, options });
    },
    register: () => {},
    start: async () => {},
    stop: async () => {},
    counts: async () => ({ waiting: 0, active: 0, delayed: 0, failed: 0 }),
    failed: async () => [],
    health: async () => ({ status: 'up' }),
  };
  return { queue, enqueued, failOnce: () => void (failNext = true) };
};

describe('RelayOutbox and Sweep on the in-memory store', () => {
  let store: InMemoryStore;
  let clock: ReturnType<typeof aClock>;
  let jobs: ReturnType<typeof recordingQueue>;
  let relay: RelayOutbox;
  let sweep: Sweep;
  let ingest: IngestInbound;
  let queueId: string;

  beforeEach(async () => {
    store = new InMemoryStore();
    clock = aClock();
    jobs = recordingQueue();
    const settings = { continuityWindowSeconds: 3600, channelQueues: {}, setAwayOnOfferExpiry: true, delivery: { maxAttempts: 3, baseDelayMs: 10 } };
    const contributions = [
      ...routingJobs({ route: new RouteQueue(store, clock), offers: new AnswerOffer(store, clock, settings), manage: new ManageRouting(store, clock), jobs: jobs.queue }),
      ...deliveryJobs({ deliver: new DeliverOutbound(store, clock, { find: () => undefined }, silentLogger, settings) }),
    ];
    relay = new RelayOutbox(store, jobs.queue, clock, contributions);
    sweep = new Sweep(store, jobs.queue, clock, relay, contributions);
    ingest = new IngestInbound(store, clock, settings);
    queueId = (await new ManageRouting(store, clock).ensureDefaultQueue()).id;
  });

  it('turns committed events into jobs once, and marks them dispatched', async () => {
    await ingest.ingest(anInboundMessage());
    expect(await relay.run()).toBe(1);
    expect(jobs.enqueued).toEqual([{ name: ROUTING_JOBS.evaluateQueue, payload: { queueId }, options: { jobId: expect.stringMatching(new RegExp(`^route:${queueId}:`)) } }]);
    expect(await store.read((s) => s.outbox.hasUndispatched())).toBe(false);
    expect(await relay.runIfPending()).toBe(0);
    expect(jobs.enqueued).toHaveLength(1);
  });

  it('leaves the events undispatched when the queue refuses a job, and relays them on the next run', async () => {
    await ingest.ingest(anInboundMessage());
    jobs.failOnce();
    await expect(relay.run()).rejects.toThrow('queue unavailable');
    expect(await store.read((s) => s.outbox.hasUndispatched())).toBe(true);
    expect(await relay.run()).toBe(1);
    expect(jobs.enqueued.map((j) => j.name)).toEqual([ROUTING_JOBS.evaluateQueue]);
  });

  it('sweeps what the queue may have lost: waiting queues and due deliveries, with time-bucketed job ids', async () => {
    await ingest.ingest(anInboundMessage());
    await relay.run();
    const due = aDelivery({ nextAttemptAt: null });
    await store.transaction((s) => s.deliveries.insert(due));
    jobs.enqueued.length = 0;

    const report = await sweep.run(60_000);
    const bucket = Math.floor(clock.now().getTime() / 60_000);
    expect(report).toEqual({ relayed: 0, enqueued: { 'routing.evaluate-queue': 1, 'routing.expire-offer': 0, 'delivery.send-outbound': 1 } });
    expect(jobs.enqueued.map((j) => j.options?.jobId)).toEqual([`route:${queueId}:sweep:${bucket}`, `deliver:${due.interactionId}:sweep:${bucket}`]);
  });
});

describe('enqueuePlanned', () => {
  it('enqueues each job id once, issued in the planned order, many in flight at once', async () => {
    const issued: string[] = [];
    let inFlight = 0;
    let most = 0;
    const queue: Pick<JobQueue, 'enqueue'> = {
      enqueue: async (_name, _payload, options) => {
        issued.push(options?.jobId ?? '');
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 1));
        inFlight -= 1;
      },
    };
    const planned = Array.from({ length: 100 }, (_, i) => ({ name: 'desk.deliver-offer', payload: { i }, jobId: `job-${i % 60}` }));
    await enqueuePlanned(queue, planned);
    expect(issued).toEqual(Array.from({ length: 60 }, (_, i) => `job-${i}`));
    expect(most).toBeGreaterThan(1);
  });

  it('fails when an enqueue fails, so the relay leaves the events undispatched', async () => {
    const queue: Pick<JobQueue, 'enqueue'> = {
      enqueue: async (_name, _payload, options) => {
        if (options?.jobId === 'job-3') throw new Error('queue unavailable');
      },
    };
    await expect(enqueuePlanned(queue, Array.from({ length: 5 }, (_, i) => ({ name: 'x', payload: {}, jobId: `job-${i}` })))).rejects.toThrow('queue unavailable');
  });
});
