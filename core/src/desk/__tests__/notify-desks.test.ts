import { beforeEach, describe, expect, it } from 'vitest';
import type { ChannelRegistry } from '../../delivery/ports/channel-registry.port.js';
import { CustomerQueries } from '../../identity/use-cases/customer-queries.js';
import { IngestInbound } from '../../inbound/use-cases/ingest-inbound.use-case.js';
import type { Agent } from '../../routing/agent.entity.js';
import { AnswerOffer } from '../../routing/use-cases/answer-offer.use-case.js';
import { ManageRouting } from '../../routing/use-cases/manage-routing.use-case.js';
import { RouteQueue } from '../../routing/use-cases/route-queue.use-case.js';
import { InMemoryStore } from '../../testing/in-memory-store.js';
import { aClock, anInboundMessage } from '../../testing/mothers.js';
import { DESK_JOBS, deskJobs } from '../desk.jobs.js';
import type { AgentDesk, DeskOffer, DeskOfferUpdate, DeskThreadPost } from '../ports/agent-desk.port.js';
import type { DeskRegistry } from '../ports/desk-registry.port.js';
import { DeskActions } from '../use-cases/desk-commands.use-case.js';
import { NotifyDesks } from '../use-cases/notify-desks.use-case.js';
import { CrmFacts } from '../../crm/use-cases/crm-facts.js';

/** A desk that records every call, reaching agents bound under `desk.slack`. */
class RecordingDesk implements AgentDesk {
  readonly offers: DeskOffer[] = [];
  readonly updates: DeskOfferUpdate[] = [];
  readonly posts: DeskThreadPost[] = [];
  failWith: string | null = null;
  reaches = (agent: { desk: Record<string, string | undefined> }) => Boolean(agent.desk['slack']);
  deliverOffer = async (offer: DeskOffer) => {
    if (this.failWith) throw new Error(this.failWith);
    this.offers.push(offer);
  };
  updateOffer = async (update: DeskOfferUpdate) => void this.updates.push(update);
  postToThread = async (post: DeskThreadPost) => void this.posts.push(post);
  readonly notices: string[] = [];
  notify = async (_agentId: string, text: string) => void this.notices.push(text);
}

describe('desk jobs: what the hub shows on the desks after commit', () => {
  let store: InMemoryStore;
  let desk: RecordingDesk;
  let commands: DeskActions;
  let ingest: IngestInbound;
  let routing: ManageRouting;
  let route: () => Promise<unknown>;
  let ada: Agent;
  let jobs: ReturnType<typeof deskJobs>;
  let answers: AnswerOffer;
  const clock = aClock();

  /** Relays the outbox as the hub does and runs the desk jobs it plans, each twice (a retried job). */
  const relay = async (): Promise<string[]> => {
    const events = await store.transaction(async (session) => {
      const claimed = await session.outbox.claimUndispatched(500);
      await session.outbox.markDispatched(claimed.map((e) => e.id), clock.now());
      return claimed;
    });
    const ran: string[] = [];
    for (const job of jobs) {
      const plan = job.plan;
      if (!plan) continue;
      for (const planned of await store.read(async (session) => plan(events, { now: clock.now(), session }))) {
        ran.push(planned.jobId);
        await job.run({ id: planned.jobId, name: planned.name, payload: planned.payload, attempt: 1 });
      }
    }
    return ran;
  };

  beforeEach(async () => {
    store = new InMemoryStore();
    desk = new RecordingDesk();
    const registry: DeskRegistry = { list: () => [{ instanceId: 'memory', desk }], reaching: (agent) => (desk.reaches(agent) ? [desk] : []) };
    jobs = deskJobs({ notify: new NotifyDesks(store, registry) });
    const settings = { continuityWindowSeconds: 3600, channelQueues: {}, setAwayOnOfferExpiry: true };
    const channels: ChannelRegistry = { find: () => ({ channel: 'email', send: async () => ({}) }) };
    routing = new ManageRouting(store, clock);
    ingest = new IngestInbound(store, clock, settings);
    answers = new AnswerOffer(store, clock, settings);
    commands = new DeskActions(store, clock, answers, routing, new CustomerQueries(store), channels);
    const queue = await routing.ensureDefaultQueue();
    await routing.updateQueue(queue.id, { sla: { firstResponseSeconds: 600 } });
    const router = new RouteQueue(store, clock);
    route = () => router.run(queue.id);
    ada = await routing.createAgent({ name: 'Ada', desk: { slack: 'U0ADA' } });
    await routing.setPresence(ada.id, 'available');
  });

  it('shows the offer with its context, its answer, and every entry of the assigned conversation, once per job id', async () => {
    const first = await ingest.ingest(anInboundMessage({ text: 'My parcel is late' }));
    await route();
    const ran = await relay();
    const [offer] = desk.offers;
    expect(ran).toContain(`desk-offer:${offer?.offerId}`);
    expect(offer).toMatchObject({
      agentId: ada.id,
      // read with the offer, so that a desk need not read the agent again
      agentDesk: { slack: 'U0ADA' },
      queueName: 'default',
      context: {
        conversationId: first.conversationId,
        customer: { displayName: 'Ann Example', identities: [{ kind: 'email', value: 'ann@example.com' }] },
        channel: 'email',
        subject: 'Where is my order?',
        queue: { name: 'default' },
        priority: 0,
        slaDue: { kind: 'first-response' },
        recent: [expect.objectContaining({ direction: 'inbound', text: 'My parcel is late' })],
      },
    });
    expect(offer?.context.waitingSince).toBeInstanceOf(Date);

    await commands.accept({ kind: 'agent', agentId: ada.id }, offer!.offerId);
    await relay();
    expect(desk.updates).toEqual([expect.objectContaining({ offerId: offer!.offerId, status: 'accepted' })]);

    await ingest.ingest(anInboundMessage({ text: 'Any news?' }));
    await commands.reply({ kind: 'agent', agentId: ada.id }, first.conversationId, { text: 'It ships today' });
    await commands.note({ kind: 'agent', agentId: ada.id }, first.conversationId, { text: 'upset customer' });
    await commands.resolve({ kind: 'agent', agentId: ada.id }, first.conversationId);
    const posted = await relay();
    expect(posted.filter((id) => id.startsWith('desk-post:'))).toHaveLength(4);
    expect(desk.posts.map((p) => [p.kind, p.text])).toEqual([
      ['customer-message', 'Any news?'],
      ['reply-sent', 'It ships today'],
      ['note', 'upset customer'],
      ['status', 'status waiting → resolved'],
    ]);
    expect(new Set(desk.posts.map((p) => p.postId)).size).toBe(4);
  });

  it('updates an offer rescinded by a resolve, and reaches no agent without a binding', async () => {
    const sent = await ingest.ingest(anInboundMessage());
    await route();
    await relay();
    await commands.resolve({ kind: 'operator' }, sent.conversationId);
    await relay();
    expect(desk.updates).toEqual([expect.objectContaining({ status: 'rescinded', reason: 'resolved' })]);

    await routing.updateAgent(ada.id, { desk: {} });
    await ingest.ingest(anInboundMessage({ from: { kind: 'email', value: 'bo@example.com' } }));
    await route();
    const before = desk.offers.length;
    await relay();
    expect(desk.offers).toHaveLength(before);
  });

  it('gathers an offer\'s context only for an agent some desk reaches', async () => {
    let crmLookups = 0;
    const crmFacts = new CrmFacts({ list: () => ((crmLookups += 1), []), get: () => undefined }, clock, 60);
    const registry: DeskRegistry = { list: () => [{ instanceId: 'memory', desk }], reaching: (agent) => (desk.reaches(agent) ? [desk] : []) };
    jobs = deskJobs({ notify: new NotifyDesks(store, registry, crmFacts) });
    await routing.updateAgent(ada.id, { desk: {} });
    await ingest.ingest(anInboundMessage());
    await route();
    await relay();
    expect(desk.offers).toHaveLength(0);
    expect(crmLookups).toBe(0);

    await routing.updateAgent(ada.id, { desk: { slack: 'U0ADA' } });
    await ingest.ingest(anInboundMessage({ from: { kind: 'email', value: 'bo@example.com' } }));
    await route();
    await relay();
    expect(desk.offers).toHaveLength(1);
    expect(crmLookups).toBe(1);
  });

  it('plans no desk job when no desk is installed', async () => {
    jobs = deskJobs({ notify: new NotifyDesks(store, { list: () => [], reaching: () => [] }) });
    await ingest.ingest(anInboundMessage());
    await route();
    expect(await relay()).toEqual([]);
    await commands.resolve({ kind: 'operator' }, (await store.read((s) => s.offers.listByAgent(ada.id, undefined, { limit: 10 }))).items[0]!.conversationId);
    expect(await relay()).toEqual([]);
  });

  it('updates an expired offer and tells the agent it was set away', async () => {
    await ingest.ingest(anInboundMessage());
    await route();
    await relay();
    const [offer] = desk.offers;
    clock.advance(24 * 3600);
    expect(await answers.expire(offer!.offerId)).toBe(true);
    await relay();
    expect(desk.updates).toEqual([expect.objectContaining({ offerId: offer!.offerId, status: 'expired' })]);
    expect(desk.notices).toEqual([expect.stringContaining('set to away')]);
  });

  it('fails the job with the desk error (retried, then dead-lettered), and dead-letters a job for an unknown offer at once', async () => {
    desk.failWith = 'slack is down';
    await ingest.ingest(anInboundMessage());
    await route();
    await expect(relay()).rejects.toThrow('desk call failed: slack is down');
    const deliver = jobs.find((j) => j.name === DESK_JOBS.deliverOffer)!;
    await expect(deliver.run({ id: 'x', name: deliver.name, payload: { offerId: 'no-such-offer' }, attempt: 1 })).rejects.toMatchObject({ name: 'PermanentJobError' });
    await expect(deliver.run({ id: 'y', name: deliver.name, payload: {}, attempt: 1 })).rejects.toMatchObject({ name: 'PermanentJobError' });
  });
});
