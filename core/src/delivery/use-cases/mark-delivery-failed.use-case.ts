import type { LedgerSession } from '../../ledger/ports/ledger-store.port.js';
import type { DeliveryFeedback, OutboundRef } from '../../plugin-api/channel.port.js';
import { lockKeys } from '../../shared/lock-keys.js';
import type { Clock } from '../../shared/ports/clock.port.js';
import type { Logger } from '../../shared/ports/logger.port.js';
import type { Transactions } from '../../shared/ports/transactions.port.js';
import type { DeliverySession } from '../ports/delivery-store.port.js';

/** A late failure a channel reports (a bounce): the delivery is dead-lettered with the reason, whatever it was before. */
export class MarkDeliveryFailed implements DeliveryFeedback {
  constructor(
    private readonly store: Transactions<DeliverySession & Pick<LedgerSession, 'interactions'>>,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async markFailed(ref: OutboundRef, reason: string): Promise<boolean> {
    const failed = await this.store.transaction(async (session) => {
      const interaction =
        'interactionId' in ref ? await session.interactions.get(ref.interactionId) : await session.interactions.findByExternalId(ref.channel, ref.externalId);
      if (!interaction || interaction.direction !== 'outbound') return null;
      await session.lock(lockKeys.delivery(interaction.id));
      const delivery = await session.deliveries.get(interaction.id);
      if (!delivery) return null;
      const now = this.clock.now();
      await session.deliveries.update({ ...delivery, status: 'dead', leaseUntil: null, nextAttemptAt: null, reason: `failed after sending: ${reason}`, updatedAt: now });
      return interaction;
    });
    if (failed) this.logger.warn({ interactionId: failed.id, channel: failed.channel, reason }, 'delivery failed after sending');
    return failed !== null;
  }
}
