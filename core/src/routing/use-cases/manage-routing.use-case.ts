import { newId } from '../../shared/ids.js';
import { lockKeys } from '../../shared/lock-keys.js';
import type { Clock } from '../../shared/ports/clock.port.js';
import { DEFAULT_CAPACITY_UNITS, type Agent, type Presence } from '../agent.entity.js';
import type { RoutingStore } from '../ports/routing-transactions.js';
import type { Queue } from '../queue.entity.js';
import { parseBusinessHours } from '../business-hours.js';
import { routingErrors } from '../routing.errors.js';
import { DEFAULT_ROUTING_SETTINGS, type RoutingSettings } from '../routing-settings.js';
import { DEFAULT_QUEUE_NAME } from './resolve-queue.js';
import { settlePresence } from './settle-presence.js';
import { offerOnAvailable } from './offer-on-available.js';
import { relaxationFault } from '../relaxation.js';
import type { RoutingSession } from '../ports/routing-store.port.js';
import { isId } from '../../shared/ids.js';

/** A relaxation's `alsoQueues` by id or name, as ids; an unknown queue is a 422 naming the field. */
const resolveRelaxation = async <T extends Partial<QueueInput>>(session: Pick<RoutingSession, 'queues'>, input: T, self: string | null): Promise<T> => {
  if (!input.relaxation) return input;
  const relaxation = [];
  for (const [i, step] of input.relaxation.entries()) {
    const alsoQueues: string[] = [];
    for (const [j, ref] of (step.alsoQueues ?? []).entries()) {
      const queue = (isId(ref) ? await session.queues.get(ref) : null) ?? (await session.queues.getByName(ref));
      const field = `relaxation.${i}.alsoQueues.${j}`;
      if (!queue) throw routingErrors.invalidQueueField(field, `${field}: no queue has the id or name '${ref}'`);
      if (queue.id === self || queue.name === input.name) throw routingErrors.invalidQueueField(field, `${field}: a queue cannot widen to itself`);
      alsoQueues.push(queue.id);
    }
    relaxation.push(step.alsoQueues ? { ...step, alsoQueues } : step);
  }
  return { ...input, relaxation };
};

export type QueueInput = Partial<Omit<Queue, 'id' | 'createdAt' | 'updatedAt'>> & { name: string };
export type AgentInput = Partial<Pick<Agent, 'email' | 'skills' | 'desk'>> & {
  name: string;
  capacity?: { units?: number | undefined; perChannel?: Record<string, number> | undefined } | undefined;
};

const checkSkills = (skills: Record<string, number>, field: string) => {
  for (const [skill, level] of Object.entries(skills)) {
    if (!Number.isInteger(level) || level < 1 || level > 5) throw routingErrors.invalidSkillLevel(skill, `${field}.${skill}`);
  }
};

export const OFFER_TIMEOUT_RANGE = { min: 1, max: 86_400 } as const;

const checkQueue = (input: Partial<QueueInput>) => {
  if (input.skills) checkSkills(input.skills, 'skills');
  if (input.optionalSkills) checkSkills(input.optionalSkills, 'optionalSkills');
  const fault = input.relaxation ? relaxationFault(input.relaxation) : null;
  if (fault) throw routingErrors.invalidQueueField(fault[0], `${fault[0]}: ${fault[1]}`);
  const timeout = input.offerTimeoutSeconds;
  if (timeout !== undefined && (!Number.isInteger(timeout) || timeout < OFFER_TIMEOUT_RANGE.min || timeout > OFFER_TIMEOUT_RANGE.max)) {
    throw routingErrors.invalidQueueField('offerTimeoutSeconds', `offerTimeoutSeconds must be a whole number of seconds from ${OFFER_TIMEOUT_RANGE.min} to ${OFFER_TIMEOUT_RANGE.max}`);
  }
};

/** Queues, agents and presence. */
export class ManageRouting {
  constructor(
    private readonly store: RoutingStore,
    private readonly clock: Clock,
    private readonly settings: Pick<RoutingSettings, 'requeueOnOffline'> & Partial<Pick<RoutingSettings, 'declineCooldownSeconds'>> = DEFAULT_ROUTING_SETTINGS,
  ) {}

  /** The queue every conversation without another destination goes to; created on first start. */
  async ensureDefaultQueue(): Promise<Queue> {
    return this.store.transaction(async (session) => {
      await session.lock(lockKeys.queueName(DEFAULT_QUEUE_NAME));
      const existing = await session.queues.getByName(DEFAULT_QUEUE_NAME);
      if (existing) return existing;
      const now = this.clock.now();
      const queue = this.buildQueue({ name: DEFAULT_QUEUE_NAME }, now);
      await session.queues.insert(queue);
      return queue;
    });
  }

  async createQueue(input: QueueInput): Promise<Queue> {
    checkQueue(input);
    if (input.businessHours) input = { ...input, businessHours: parseBusinessHours(input.businessHours) };
    return this.store.transaction(async (session) => {
      await session.lock(lockKeys.queueName(input.name));
      if (await session.queues.getByName(input.name)) throw routingErrors.queueNameTaken(input.name);
      if (input.overflow && !(await session.queues.get(input.overflow.queueId))) {
        throw routingErrors.unknownOverflowQueue(input.overflow.queueId);
      }
      input = await resolveRelaxation(session, input, null);
      const queue = this.buildQueue(input, this.clock.now());
      await session.queues.insert(queue);
      return queue;
    });
  }

  async updateQueue(id: string, patch: Partial<QueueInput>): Promise<Queue> {
    checkQueue(patch);
    if (patch.businessHours) patch = { ...patch, businessHours: parseBusinessHours(patch.businessHours) };
    return this.store.transaction(async (session) => {
      await session.lock(lockKeys.queue(id));
      const queue = await session.queues.get(id);
      if (!queue) throw routingErrors.queueNotFound(id);
      if (patch.name && patch.name !== queue.name && (await session.queues.getByName(patch.name))) {
        throw routingErrors.queueNameTaken(patch.name);
      }
      patch = await resolveRelaxation(session, patch, queue.id);
      const updated: Queue = { ...queue, ...definedOnly(patch), updatedAt: this.clock.now() };
      await session.queues.update(updated);
      return updated;
    });
  }

  async deleteQueue(id: string): Promise<void> {
    await this.store.transaction(async (session) => {
      await session.lock(lockKeys.queue(id));
      const queue = await session.queues.get(id);
      if (!queue) throw routingErrors.queueNotFound(id);
      if (queue.name === DEFAULT_QUEUE_NAME) throw routingErrors.defaultQueueKept();
      const counts = await session.workItems.countByQueue(id);
      if (counts.waiting + counts.offered > 0) throw routingErrors.queueNotEmpty(queue.name, counts.waiting + counts.offered);
      const rule = (await session.routingRules.list()).find((r) => r.actions.queueId === id);
      if (rule) throw routingErrors.queueInUse(queue.name, `routing rule '${rule.name}'`);
      await session.queues.delete(id);
    });
  }

  async createAgent(input: AgentInput): Promise<Agent> {
    checkSkills(input.skills ?? {}, 'skills');
    const now = this.clock.now();
    const agent: Agent = {
      id: newId(),
      name: input.name,
      email: input.email ?? null,
      skills: input.skills ?? {},
      capacity: { units: input.capacity?.units ?? DEFAULT_CAPACITY_UNITS, perChannel: input.capacity?.perChannel ?? {} },
      presence: 'offline',
      presenceSince: now,
      desk: input.desk ?? {},
      lastOfferAt: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.store.transaction((session) => session.agents.insert(agent));
    return agent;
  }

  async updateAgent(id: string, patch: Partial<AgentInput>): Promise<Agent> {
    if (patch.skills) checkSkills(patch.skills, 'skills');
    return this.store.transaction(async (session) => {
      await session.lock(lockKeys.agent(id));
      const agent = await session.agents.get(id);
      if (!agent) throw routingErrors.agentNotFound(id);
      const { capacity, ...rest } = patch;
      const updated: Agent = {
        ...agent,
        ...definedOnly(rest),
        capacity: { units: capacity?.units ?? agent.capacity.units, perChannel: capacity?.perChannel ?? agent.capacity.perChannel },
        updatedAt: this.clock.now(),
      };
      await session.agents.update(updated);
      if (updated.presence === 'available') await session.outbox.add([{ type: 'agent.presence', agentId: id, presence: 'available' }]);
      return updated;
    });
  }

  /** Sets presence; an agent who is not available keeps no pending offer, and one who goes offline may hand back its work. */
  async setPresence(id: string, presence: Presence): Promise<Agent> {
    const cooldown = { declineCooldownSeconds: this.settings.declineCooldownSeconds ?? DEFAULT_ROUTING_SETTINGS.declineCooldownSeconds };
    const settled = await this.store.transaction((session) =>
      // Just became available: the best waiting item it can take is offered in the same commit, not
      // at the next pass (which the presence change plans all the same, for the rest of its room).
      settlePresence(session, id, presence, this.clock, this.settings, (agent, events) => offerOnAvailable(session, this.clock, cooldown, agent, events)),
    );
    if (!settled) throw routingErrors.agentNotFound(id);
    // An offer made in the instant between reading the agent's work and locking it: settle again.
    if (settled.missed > 0) await this.settle(id);
    return settled.agent;
  }

  /** Re-applies an agent's presence to its work (after a presence change made elsewhere, e.g. an expiry that set it away). */
  async settle(id: string): Promise<{ rescinded: number; requeued: number }> {
    let total = { rescinded: 0, requeued: 0 };
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const settled = await this.store.transaction((session) => settlePresence(session, id, null, this.clock, this.settings));
      if (!settled) break;
      total = { rescinded: total.rescinded + settled.rescinded, requeued: total.requeued + settled.requeued };
      if (settled.missed === 0) break;
    }
    return total;
  }

  private buildQueue(input: QueueInput, now: Date): Queue {
    return {
      id: newId(),
      name: input.name,
      skills: input.skills ?? {},
      optionalSkills: input.optionalSkills ?? {},
      relaxation: input.relaxation ?? null,
      strategy: input.strategy ?? 'longest-idle',
      sticky: input.sticky ?? null,
      cost: input.cost ?? 10,
      offerTimeoutSeconds: input.offerTimeoutSeconds ?? 60,
      sla: input.sla ?? null,
      overflow: input.overflow ?? null,
      aging: input.aging ?? null,
      businessHours: input.businessHours ?? null,
      createdAt: now,
      updatedAt: now,
    };
  }
}

const definedOnly = <T extends object>(patch: T): Partial<T> =>
  Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
