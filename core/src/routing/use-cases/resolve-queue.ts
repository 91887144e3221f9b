import type { RoutingSession } from '../ports/routing-store.port.js';
import type { Queue } from '../queue.entity.js';
import { routingErrors } from '../routing.errors.js';

export const DEFAULT_QUEUE_NAME = 'default';

/** Queues by name, read ahead of need (null: no queue of that name). */
export type PrefetchedQueues = ReadonlyMap<string, Queue | null>;

/** The names of the queues that messages on `channels` may go to: their channel's queue and `default`. */
export const queueNamesFor = (channelQueues: Record<string, string>, channels: readonly string[]): string[] => [
  ...new Set([...channels.flatMap((channel) => (channelQueues[channel] ? [channelQueues[channel]] : [])), DEFAULT_QUEUE_NAME]),
];

/** The queue a (re)opened conversation goes to: its previous queue, its channel's queue, or `default`. */
export const resolveQueue = async (
  session: Pick<RoutingSession, 'queues'>,
  channelQueues: Record<string, string>,
  channel: string,
  previousQueueId: string | null,
  prefetched: PrefetchedQueues = new Map(),
): Promise<Queue> => {
  if (previousQueueId) {
    const previous = await session.queues.get(previousQueueId);
    if (previous) return previous;
  }
  const byName = async (name: string): Promise<Queue | null> => {
    const known = prefetched.get(name);
    return known !== undefined ? known : session.queues.getByName(name);
  };
  const named = channelQueues[channel];
  const queue = (named ? await byName(named) : null) ?? (await byName(DEFAULT_QUEUE_NAME));
  if (!queue) throw routingErrors.noDefaultQueue(DEFAULT_QUEUE_NAME);
  return queue;
};
