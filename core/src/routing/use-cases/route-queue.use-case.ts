import { lockKeys } from '../../shared/lock-keys.js';
import type { Clock } from '../../shared/ports/clock.port.js';
import type { RoutingStore, RoutingUnit } from '../ports/routing-transactions.js';
import { eligibleFor, type Candidate } from '../eligibility.js';
import type { Offer } from '../offer.entity.js';
import type { Queue } from '../queue.entity.js';
import { chooseAgent } from '../strategies.js';
import type { WorkItem } from '../work-item.entity.js';
import { DEFAULT_ROUTING_SETTINGS, type RoutingSettings } from '../routing-settings.js';
import { makeOffer } from './make-offer.js';

const BATCH = 50;

/**
 * One routing pass over a queue: offers waiting items, by priority then age, to eligible agents.
 * Safe with many workers: the queue lock makes one router per queue at a time, and each agent is
 * locked and its load re-read before an offer, so capacity holds across queues.
 */
export class RouteQueue {
  constructor(
    private readonly store: RoutingStore,
    private readonly clock: Clock,
    private readonly settings: Pick<RoutingSettings, 'declineCooldownSeconds'> = DEFAULT_ROUTING_SETTINGS,
  ) {}

  /** Returns how many offers were made; `more` when the batch was full and another pass is due. */
  async run(queueId: string): Promise<{ offers: number; more: boolean }> {
    return this.store.transaction(async (session) => {
      await session.lock(lockKeys.queue(queueId));
      const queue = await session.queues.get(queueId);
      if (!queue) return { offers: 0, more: false };
      // With nobody available there is nothing to decide: skip reading the backlog.
      const agents = await session.agents.listByPresence('available');
      if (agents.length === 0) return { offers: 0, more: false };
      const items = await session.workItems.listWaiting(queueId, BATCH);
      if (items.length === 0) return { offers: 0, more: false };

      const loads = await session.assignments.loads(agents.map((a) => a.id));
      const candidates: Candidate[] = agents.map((agent) => ({ agent, load: loads.get(agent.id) ?? { units: 0, perChannel: {} } }));
      let offers = 0;
      for (const item of items) {
        const offer = await this.routeItem(session, queue, item, candidates);
        if (offer) offers += 1;
      }
      return { offers, more: items.length === BATCH && offers > 0 };
    });
  }

  private async routeItem(session: RoutingUnit, queue: Queue, item: WorkItem, candidates: Candidate[]): Promise<Offer | null> {
    const now = this.clock.now();
    // Why an item waits is not stored: the routing explainer works it out from the agents as they are.
    const policy = { now, cooldownSeconds: this.settings.declineCooldownSeconds };
    const { eligible } = eligibleFor(item, candidates, policy);
    const choice = chooseAgent(queue.strategy, eligible, item.skills);
    if (!choice) return null;
    await session.lock(lockKeys.conversation(item.conversationId));
    const current = await session.workItems.get(item.conversationId);
    const conversation = await session.conversations.get(item.conversationId);
    if (!current || current.state !== 'waiting' || !conversation) return null;

    await session.lock(lockKeys.agent(choice.agent.id));
    const agent = await session.agents.get(choice.agent.id);
    const load = (await session.assignments.loads([choice.agent.id])).get(choice.agent.id);
    if (!agent || !load || agent.presence !== 'available') return null;
    choice.agent = agent;
    choice.load = load;
    // The load may have grown in another queue's router since the pass began.
    if (eligibleFor(current, [choice], policy).eligible.length === 0) return null;

    const made = await makeOffer(session, {
      conversation,
      item: current,
      existing: true,
      queue,
      agent,
      detail: `offered to ${agent.name} by ${queue.strategy} among ${eligible.length} eligible agent(s)`,
      now,
    });
    choice.agent = made.agent;
    choice.load = {
      units: load.units + item.cost,
      perChannel: { ...load.perChannel, [item.channel]: (load.perChannel[item.channel] ?? 0) + 1 },
    };
    return made.offer;
  }
}
