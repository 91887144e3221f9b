import { beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../shared/ports/logger.port.js';
import { InMemoryStore } from '../../testing/in-memory-store.js';
import { aClock, aDelivery, anInteraction, secondsAfter, uniqueToken } from '../../testing/mothers.js';
import { MarkDeliveryFailed } from '../use-cases/mark-delivery-failed.use-case.js';

/** A logger that keeps what it was told to warn about. */
const recordingLogger = () => {
  const warned: Record<string, unknown>[] = [];
  const logger: Logger = { debug: () => {}, info: () => {}, warn: (fields) => void warned.push(fields), error: () => {}, child: () => logger };
  return { logger, warned };
};

describe('MarkDeliveryFailed on the in-memory store', () => {
  let store: InMemoryStore;
  let clock: ReturnType<typeof aClock>;
  let warned: Record<string, unknown>[];
  let feedback: MarkDeliveryFailed;

  beforeEach(() => {
    store = new InMemoryStore();
    clock = aClock();
    const recorded = recordingLogger();
    warned = recorded.warned;
    feedback = new MarkDeliveryFailed(store, clock, recorded.logger);
  });

  /** An outbound email that was delivered an hour ago. */
  const delivered = async () => {
    const entry = anInteraction({ direction: 'outbound', channel: 'email', externalId: `<${uniqueToken()}@hub.example.com>` });
    const delivery = aDelivery({ interactionId: entry.id, channel: 'email', status: 'delivered', attempts: 1, providerMessageId: 'smtp-1', updatedAt: secondsAfter(clock.now(), -3600) });
    await store.transaction(async (s) => {
      await s.interactions.insert(entry);
      await s.deliveries.insert(delivery);
    });
    return { entry, delivery };
  };
  const deliveryOf = (id: string) => store.read((s) => s.deliveries.get(id));

  it('dead-letters a delivered message named by its interaction id, with the reason', async () => {
    const { entry, delivery } = await delivered();
    expect(await feedback.markFailed({ interactionId: entry.id }, '550 mailbox unavailable')).toBe(true);
    expect(await deliveryOf(entry.id)).toEqual({
      ...delivery,
      status: 'dead',
      leaseUntil: null,
      nextAttemptAt: null,
      reason: 'failed after sending: 550 mailbox unavailable',
      updatedAt: clock.now(),
    });
    expect(warned).toEqual([{ interactionId: entry.id, channel: 'email', reason: '550 mailbox unavailable' }]);
  });

  it('finds the message by the external id it carried on its channel', async () => {
    const { entry } = await delivered();
    const other = await delivered();
    expect(await feedback.markFailed({ channel: 'email', externalId: entry.externalId! }, 'bounced')).toBe(true);
    expect((await deliveryOf(entry.id))?.status).toBe('dead');
    expect((await deliveryOf(other.entry.id))?.status).toBe('delivered');
  });

  it('answers false, and changes nothing, for a message it does not know or that is not outbound', async () => {
    const { entry, delivery } = await delivered();
    const inbound = anInteraction({ direction: 'inbound', channel: 'email' });
    const undelivered = anInteraction({ direction: 'outbound', channel: 'email' });
    await store.transaction(async (s) => {
      await s.interactions.insert(inbound);
      await s.interactions.insert(undelivered);
      await s.deliveries.insert(aDelivery({ interactionId: inbound.id }));
    });
    expect(await feedback.markFailed({ channel: 'webchat', externalId: entry.externalId! }, 'bounced')).toBe(false);
    expect(await feedback.markFailed({ channel: 'email', externalId: '<unknown@hub.example.com>' }, 'bounced')).toBe(false);
    expect(await feedback.markFailed({ interactionId: '00000000-0000-4000-8000-000000000000' }, 'bounced')).toBe(false);
    expect(await feedback.markFailed({ interactionId: inbound.id }, 'bounced')).toBe(false);
    expect(await feedback.markFailed({ interactionId: undelivered.id }, 'bounced')).toBe(false);
    expect(await deliveryOf(entry.id)).toEqual(delivery);
    expect((await deliveryOf(inbound.id))?.status).toBe('pending');
    expect(warned).toEqual([]);
  });
});
