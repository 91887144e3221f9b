import { conversationLifecycle, type Conversation } from '../../ledger/conversation.entity.js';
import { lockKeys } from '../../shared/lock-keys.js';
import type { PlannedJob } from '../../shared/jobs.js';
import { InMemoryStore } from '../../testing/in-memory-store.js';
import { aClock, aConversation, anAgent, aQueue, aWorkItem } from '../../testing/mothers.js';
import type { Agent } from '../agent.entity.js';
import type { Offer } from '../offer.entity.js';
import type { Queue } from '../queue.entity.js';
import { routingJobs } from '../routing.jobs.js';
import { routingSettings, type RoutingSettings } from '../routing-settings.js';
import { AnswerOffer } from '../use-cases/answer-offer.use-case.js';
import { ManageRouting } from '../use-cases/manage-routing.use-case.js';
import { releaseConversation } from '../use-cases/release-conversation.js';
import { RouteQueue } from '../use-cases/route-queue.use-case.js';
import { RoutingQueries } from '../use-cases/routing-queries.js';
import type { WorkItem } from '../work-item.entity.js';

/**
 * Routing on the in-memory store with the real jobs: `relay()` turns committed outbox events into
 * jobs through each job's `plan` and runs the due ones at once, as the hub's relay and workers do,
 * until nothing is left to do. Delayed jobs run once the test's clock reaches them.
 */
export const routingWorld = (overrides: Partial<RoutingSettings> = {}) => {
  const store = new InMemoryStore();
  const clock = aClock();
  const settings = routingSettings(overrides);
  const route = new RouteQueue(store, clock, settings);
  const answers = new AnswerOffer(store, clock, settings);
  const manage = new ManageRouting(store, clock, settings);
  const queries = new RoutingQueries(store, clock);
  const delayed: { job: PlannedJob; at: number }[] = [];
  const ran: PlannedJob[] = [];
  const contributions = routingJobs({
    route,
    offers: answers,
    manage,
    settings,
    clock,
    jobs: { enqueue: async (name, payload, options) => void delayed.push({ job: { name, payload, jobId: options?.jobId ?? name }, at: clock.now().getTime() + (options?.delayMs ?? 0) }) },
  });

  const runJob = async (job: PlannedJob) => {
    const contribution = contributions.find((c) => c.name === job.name);
    if (!contribution) return;
    ran.push(job);
    await contribution.run({ id: job.jobId, name: job.name, payload: job.payload, attempt: 1 });
  };

  /** Relays events and runs jobs until quiet; answers the jobs it ran. */
  const relay = async (): Promise<PlannedJob[]> => {
    const start = ran.length;
    for (let round = 0; round < 100; round += 1) {
      const planned = await store.transaction(async (session) => {
        const events = await session.outbox.claimUndispatched(1000);
        const jobs: PlannedJob[] = [];
        for (const c of contributions) if (c.plan) jobs.push(...(await c.plan(events, { now: clock.now(), session })));
        await session.outbox.markDispatched(events.map((e) => e.id), clock.now());
        return jobs;
      });
      for (const job of planned) delayed.push({ job, at: clock.now().getTime() + (job.delayMs ?? 0) });
      const due = delayed.filter((d) => d.at <= clock.now().getTime());
      if (due.length === 0) break;
      for (const d of due) delayed.splice(delayed.indexOf(d), 1);
      for (const d of due) await runJob(d.job);
    }
    return ran.slice(start);
  };

  const addQueue = async (q: Partial<Queue> = {}): Promise<Queue> => {
    const queue = aQueue({ skills: {}, cost: 10, offerTimeoutSeconds: 30, ...q });
    await store.transaction((s) => s.queues.insert(queue));
    return queue;
  };
  const addAgent = async (a: Partial<Agent> = {}): Promise<Agent> => {
    const agent = anAgent({ skills: {}, presence: 'available', presenceSince: clock.now(), ...a });
    await store.transaction((s) => s.agents.insert(agent));
    return agent;
  };
  /** A conversation waiting in `queue`, queued now (or `ageSeconds` ago). */
  const addItem = async (queue: Queue, w: Partial<WorkItem> = {}, c: Partial<Conversation> = {}): Promise<string> => {
    const now = clock.now();
    const conversation = aConversation({ status: 'queued', queueId: queue.id, channels: ['email'], lastInboundChannel: 'email', createdAt: now, updatedAt: now, ...c });
    await store.transaction(async (s) => {
      await s.conversations.insert(conversation);
      await s.workItems.insert(aWorkItem({ conversationId: conversation.id, queueId: queue.id, skills: queue.skills, channel: 'email', cost: 10, enqueuedAt: now, ...w }));
      await s.outbox.add([{ type: 'conversation.queued', conversationId: conversation.id, queueId: queue.id }]);
    });
    return conversation.id;
  };
  const pendingOf = async (agentId: string): Promise<Offer[]> => (await store.read((s) => s.offers.listByAgent(agentId, 'pending', { limit: 100 }))).items;
  const item = (conversationId: string) => store.read((s) => s.workItems.get(conversationId));
  const conversation = (conversationId: string) => store.read((s) => s.conversations.get(conversationId));
  const agent = async (id: string): Promise<Agent> => {
    const found = await store.read((s) => s.agents.get(id));
    if (!found) throw new Error(`no agent ${id}`);
    return found;
  };
  const explain = (conversationId: string) => queries.routing(conversationId);
  /** What the desk's resolve does to routing: the assignment ends, pending offers go, the agent is freed. */
  const resolve = (conversationId: string) =>
    store.transaction(async (s) => {
      await s.lock(lockKeys.conversation(conversationId));
      const current = await s.conversations.get(conversationId);
      if (!current) throw new Error(`no conversation ${conversationId}`);
      await releaseConversation(s, conversationId, clock.now(), 'resolved');
      await s.conversations.update(conversationLifecycle.resolved(current, clock.now()));
    });

  return { store, clock, settings, route, answers, manage, queries, relay, resolve, addQueue, addAgent, addItem, pendingOf, item, conversation, agent, explain };
};

export type RoutingWorld = ReturnType<typeof routingWorld>;
