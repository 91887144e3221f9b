import type { BusinessHours } from './business-hours.js';

export const ROUTING_STRATEGIES = ['longest-idle', 'least-occupied', 'most-available', 'best-skill', 'round-robin'] as const;
export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];

/**
 * One step of a queue's relaxation: once an item has waited `afterSeconds`, the net widens. Steps
 * add up (step 2 keeps what step 1 widened) and never move the item: its priority and enqueue
 * time, and so its place, stay as they were (as Amazon Connect's routing criteria steps do).
 */
export interface RelaxationStep {
  afterSeconds: number;
  /** Optional skills (the queue's `optionalSkills`, a rule's optional ones) stop being required. */
  dropOptionalSkills?: boolean | undefined;
  /** Every required level goes down by this much (never below 1). */
  lowerLevelsBy?: number | undefined;
  /** Agents who have the skills of these queues (ids) may take the item too. */
  alsoQueues?: string[] | undefined;
}

/** Units an item of this queue costs an agent: one number, or per channel with a `default`. */
export type QueueCost = number | Record<string, number>;

/** Waiting raises an item's effective priority by one every `everySeconds`, by at most `maxBoost`, so nothing starves. */
export interface QueueAging {
  everySeconds: number;
  maxBoost: number;
}

export interface Queue {
  id: string;
  name: string;
  /** Required skills with their minimum level (1–5). */
  skills: Record<string, number>;
  /** Skills required too, until a relaxation step drops them. */
  optionalSkills: Record<string, number>;
  /** Steps that widen who may take a waiting item, by how long it waited (ascending). */
  relaxation: RelaxationStep[] | null;
  strategy: RoutingStrategy;
  sticky: { windowSeconds: number } | null;
  cost: QueueCost;
  offerTimeoutSeconds: number;
  sla: { firstResponseSeconds?: number | undefined; resolutionSeconds?: number | undefined } | null;
  overflow: { afterSeconds: number; queueId: string } | null;
  aging: QueueAging | null;
  /** When items are offered; `null` is always open. SLA clocks run only while open. */
  businessHours: BusinessHours | null;
  createdAt: Date;
  updatedAt: Date;
}

export const DEFAULT_ITEM_COST = 10;

export const costFor = (queue: Pick<Queue, 'cost'>, channel: string): number => {
  if (typeof queue.cost === 'number') return queue.cost;
  return queue.cost[channel] ?? queue.cost['default'] ?? DEFAULT_ITEM_COST;
};

/** Priority plus what waiting since `enqueuedAt` adds under `aging`. */
export const effectivePriority = (item: { priority: number; enqueuedAt: Date }, aging: QueueAging | null, now: Date): number => {
  if (!aging) return item.priority;
  const waited = Math.max(0, now.getTime() - item.enqueuedAt.getTime()) / 1000;
  return item.priority + Math.min(aging.maxBoost, Math.floor(waited / aging.everySeconds));
};
