import { notFound } from '../../shared/domain-error.js';
import type { StoreSession } from '../../shared/ports/store.port.js';
import type { Queue } from '../queue.entity.js';

export const DEFAULT_QUEUE_NAME = 'default';

/** The queue a (re)opened conversation goes to: its previous queue, its channel's queue, or `default`. */
export const resolveQueue = async (
  session: StoreSession,
  channelQueues: Record<string, string>,
  channel: string,
  previousQueueId: string | null,
): Promise<Queue> => {
  if (previousQueueId) {
    const previous = await session.queues.get(previousQueueId);
    if (previous) return previous;
  }
  const named = channelQueues[channel];
  const queue = (named ? await session.queues.getByName(named) : null) ?? (await session.queues.getByName(DEFAULT_QUEUE_NAME));
  if (!queue) throw notFound('ROUTING.NO_DEFAULT_QUEUE', `no queue named '${DEFAULT_QUEUE_NAME}' exists`);
  return queue;
};
