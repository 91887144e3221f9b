import type { LedgerSession } from '../../ledger/ports/ledger-store.port.js';
import { isDeliveryError, type OutboundMessage } from '../../plugin-api/channel.port.js';
import type { RoutingSession } from '../../routing/ports/routing-store.port.js';
import { lockKeys } from '../../shared/lock-keys.js';
import type { Clock } from '../../shared/ports/clock.port.js';
import type { Logger } from '../../shared/ports/logger.port.js';
import type { OutboxSession } from '../../shared/ports/outbox.port.js';
import type { Transactions } from '../../shared/ports/transactions.port.js';
import type { CoreSettings } from '../../shared/settings.js';
import type { Delivery } from '../delivery.entity.js';
import type { ChannelRegistry } from '../ports/channel-registry.port.js';
import type { DeliverySession } from '../ports/delivery-store.port.js';

/** How long one attempt owns a delivery before another worker may take it over. */
const LEASE_MS = 60_000;
const MAX_BACKOFF_MS = 3_600_000;

export type DeliveryOutcome = 'delivered' | 'retrying' | 'dead' | 'skipped';

/**
 * Delivers one outbound interaction through its channel. Idempotent: a delivery that is done,
 * leased by another worker or not yet due is skipped, so duplicate jobs are harmless.
 */
export class DeliverOutbound {
  constructor(
    private readonly store: Transactions<DeliverySession & LedgerSession & Pick<RoutingSession, 'agents'> & OutboxSession>,
    private readonly clock: Clock,
    private readonly channels: ChannelRegistry,
    private readonly logger: Logger,
    private readonly settings: Pick<CoreSettings, 'delivery'>,
    private readonly onOutcome: (channel: string, outcome: DeliveryOutcome) => void = () => {},
  ) {}

  async run(interactionId: string): Promise<DeliveryOutcome> {
    const claimed = await this.store.transaction(async (session) => {
      await session.lock(lockKeys.delivery(interactionId));
      const delivery = await session.deliveries.get(interactionId);
      const now = this.clock.now();
      if (!delivery || delivery.status === 'delivered' || delivery.status === 'dead') return null;
      if (delivery.leaseUntil && delivery.leaseUntil > now) return null;
      if (delivery.nextAttemptAt && delivery.nextAttemptAt.getTime() > now.getTime() + 250) return null;
      const interaction = await session.interactions.get(interactionId);
      if (!interaction || !interaction.party) return null;
      const agent = interaction.agentId ? await session.agents.get(interaction.agentId) : null;
      const leased: Delivery = { ...delivery, attempts: delivery.attempts + 1, leaseUntil: new Date(now.getTime() + LEASE_MS), updatedAt: now };
      await session.deliveries.update(leased);
      const message: OutboundMessage = {
        interactionId,
        conversationId: interaction.conversationId,
        customerId: interaction.customerId,
        channel: interaction.channel,
        to: interaction.party,
        subject: interaction.subject,
        text: interaction.text,
        html: interaction.html,
        attachments: interaction.attachments,
        inReplyTo: typeof interaction.data['inReplyTo'] === 'string' ? interaction.data['inReplyTo'] : null,
        threadRef: interaction.threadRef,
        references: Array.isArray(interaction.data['references']) ? interaction.data['references'].filter((r): r is string => typeof r === 'string') : [],
        agent: agent ? { id: agent.id, name: agent.name } : null,
        attempt: leased.attempts,
      };
      return { delivery: leased, message };
    });
    if (!claimed) return 'skipped';

    const { delivery, message } = claimed;
    const channel = this.channels.find(message.channel);
    let outcome: { status: 'delivered'; providerMessageId: string | null } | { status: 'failed'; permanent: boolean; reason: string };
    if (!channel) {
      outcome = { status: 'failed', permanent: true, reason: `no channel plugin serves '${message.channel}'` };
    } else {
      try {
        const sent = await channel.send(message);
        outcome = { status: 'delivered', providerMessageId: sent.providerMessageId ?? null };
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        outcome = { status: 'failed', permanent: isDeliveryError(error) && error.permanent, reason };
      }
    }

    const now = this.clock.now();
    let next: Delivery & { status: Exclude<DeliveryOutcome, 'skipped'> };
    if (outcome.status === 'delivered') {
      next = { ...delivery, status: 'delivered', leaseUntil: null, nextAttemptAt: null, reason: null, providerMessageId: outcome.providerMessageId, updatedAt: now };
    } else if (outcome.permanent || delivery.attempts >= this.settings.delivery.maxAttempts) {
      const reason = outcome.permanent ? outcome.reason : `gave up after ${delivery.attempts} attempts: ${outcome.reason}`;
      next = { ...delivery, status: 'dead', leaseUntil: null, nextAttemptAt: null, reason, updatedAt: now };
    } else {
      const backoff = Math.min(this.settings.delivery.baseDelayMs * 2 ** (delivery.attempts - 1), MAX_BACKOFF_MS);
      next = { ...delivery, status: 'retrying', leaseUntil: null, nextAttemptAt: new Date(now.getTime() + backoff), reason: outcome.reason, updatedAt: now };
    }
    await this.store.transaction(async (session) => {
      await session.deliveries.update(next);
      // The retry is an outbox event like the first attempt: relayed as a delayed job, and found by
      // the sweeper (the delivery is due in the database) should that job be lost.
      if (next.status === 'retrying' && next.nextAttemptAt) {
        await session.outbox.add([{ type: 'delivery.requested', interactionId, attempt: next.attempts + 1, notBefore: next.nextAttemptAt.toISOString() }]);
      }
    });
    this.onOutcome(message.channel, next.status);
    if (next.status === 'dead') this.logger.warn({ interactionId, channel: message.channel, reason: next.reason }, 'delivery dead-lettered');
    return next.status;
  }
}
