import type { Customer } from '../../identity/customer.entity.js';
import { identityOf, type IdentityKey } from '../../identity/identity.value-object.js';
import { costFor, type Queue } from '../../routing/queue.entity.js';
import { invalid } from '../../shared/domain-error.js';
import type { DomainEvent } from '../../shared/events.js';
import { newId } from '../../shared/ids.js';
import type { Clock } from '../../shared/ports/clock.port.js';
import type { Store, StoreSession } from '../../shared/ports/store.port.js';
import type { CoreSettings } from '../../shared/settings.js';
import { isOpenStatus, type Conversation } from '../conversation.entity.js';
import type { IngestPort, IngestResult, InboundMessage } from '../inbound-message.js';
import { appendEntry, lockKeys } from '../ledger-writer.js';
import { resolveQueue } from '../../routing/use-cases/resolve-queue.js';

const CHANNEL = /^[a-z0-9][a-z0-9._-]{0,63}$/;

const checkMessage = (message: InboundMessage): IdentityKey => {
  if (!CHANNEL.test(message.channel)) {
    throw invalid('INBOUND.INVALID_CHANNEL', 'channel is 1 to 64 of [a-z0-9._-], starting with a letter or digit', 'channel');
  }
  if (message.externalId.length === 0 || message.externalId.length > 512) {
    throw invalid('INBOUND.INVALID_EXTERNAL_ID', 'externalId must be 1 to 512 characters', 'externalId');
  }
  if (message.text.trim().length === 0 && (message.attachments ?? []).length === 0) {
    throw invalid('INBOUND.EMPTY', 'a message needs text or an attachment', 'text');
  }
  return identityOf(message.from.kind, message.from.value, 'from.value');
};

/**
 * Records an inbound message: dedupe, identity, conversation, ledger entry, work item and outbox
 * events, all in one transaction. Resolves only after commit, so a channel may acknowledge its
 * source when this returns.
 */
export class IngestInbound implements IngestPort {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly settings: Pick<CoreSettings, 'continuityWindowSeconds' | 'channelQueues'>,
  ) {}

  async ingest(message: InboundMessage): Promise<IngestResult> {
    const from = checkMessage(message);
    return this.store.transaction(async (session) => {
      await session.lock(lockKeys.receipt(message.channel, message.externalId));
      const seen = await session.receipts.find(message.channel, message.externalId);
      if (seen) {
        const earlier = await session.interactions.get(seen.interactionId);
        if (earlier) {
          return { interactionId: earlier.id, customerId: earlier.customerId, conversationId: earlier.conversationId, duplicate: true };
        }
      }
      const now = this.clock.now();
      const customer = await this.customerFor(session, from, message.from.name, now);
      await session.lock(lockKeys.customer(customer.id));
      const { conversation, isNew } = await this.conversationFor(session, customer.id, message, now);
      await session.lock(lockKeys.conversation(conversation.id));

      const interaction = await appendEntry(
        session,
        conversation,
        {
          channel: message.channel,
          direction: 'inbound',
          type: 'message',
          externalId: message.externalId,
          threadRef: message.threadRef ?? null,
          subject: message.subject ?? null,
          text: message.text,
          html: message.html ?? null,
          attachments: message.attachments ?? [],
          party: { kind: from.kind, value: from.value, ...(message.from.name ? { name: message.from.name } : {}) },
          sourcePlugin: message.sourcePlugin ?? null,
          occurredAt: message.occurredAt ?? now,
        },
        now,
      );
      await session.receipts.insert({ channel: message.channel, externalId: message.externalId, interactionId: interaction.id, receivedAt: now });

      const events: DomainEvent[] = [
        { type: 'interaction.recorded', interactionId: interaction.id, conversationId: conversation.id, customerId: customer.id, direction: 'inbound' },
      ];
      const needsAgent = isNew || !isOpenStatus(conversation.status);
      const updated: Conversation = {
        ...conversation,
        channels: conversation.channels.includes(message.channel) ? conversation.channels : [...conversation.channels, message.channel],
        lastInboundChannel: message.channel,
        lastInboundAt: now,
        updatedAt: now,
      };
      if (needsAgent) {
        const queue = await resolveQueue(session, this.settings.channelQueues, message.channel, conversation.queueId);
        await this.enqueue(session, updated, queue, message.channel, now);
        events.push({ type: 'conversation.queued', conversationId: conversation.id, queueId: queue.id });
      } else if (conversation.status === 'waiting') {
        // The customer answered: the ball is back with the assigned agent.
        updated.status = 'assigned';
      }
      if (isNew) await session.conversations.insert(updated);
      else await session.conversations.update(updated);
      await session.outbox.add(events);
      return { interactionId: interaction.id, customerId: customer.id, conversationId: conversation.id, duplicate: false };
    });
  }

  private async customerFor(session: StoreSession, key: IdentityKey, name: string | undefined, now: Date): Promise<Customer> {
    await session.lock(lockKeys.identity(key.kind, key.value));
    const identity = await session.identities.find(key);
    if (identity) {
      let customer = await session.customers.get(identity.customerId);
      // A merged customer's identities move to the survivor, but follow the pointer if one lingers.
      while (customer?.mergedInto) customer = await session.customers.get(customer.mergedInto);
      if (customer) {
        if (!customer.displayName && name) {
          customer = { ...customer, displayName: name, updatedAt: now };
          await session.customers.update(customer);
        }
        return customer;
      }
    }
    const customer: Customer = { id: newId(), displayName: name ?? null, attributes: {}, mergedInto: null, createdAt: now, updatedAt: now };
    await session.customers.insert(customer);
    await session.identities.insert({ ...key, customerId: customer.id, verified: false, createdAt: now });
    return customer;
  }

  private async conversationFor(
    session: StoreSession,
    customerId: string,
    message: InboundMessage,
    now: Date,
  ): Promise<{ conversation: Conversation; isNew: boolean }> {
    if (message.threadRef) {
      const referenced = await session.interactions.findConversationByRef(message.channel, message.threadRef);
      const conversation = referenced ? await session.conversations.get(referenced) : null;
      if (conversation && conversation.status !== 'closed') return { conversation, isNew: false };
    }
    const since = new Date(now.getTime() - this.settings.continuityWindowSeconds * 1000);
    const open = await session.conversations.findOpen(customerId, since);
    if (open) return { conversation: open, isNew: false };
    return {
      isNew: true,
      conversation: {
        id: newId(),
        customerId,
        status: 'open',
        queueId: null,
        priority: 0,
        channels: [],
        hops: 0,
        assignment: null,
        lastInboundChannel: null,
        lastInboundAt: null,
        firstResponseAt: null,
        resolvedAt: null,
        createdAt: now,
        updatedAt: now,
      },
    };
  }

  private async enqueue(session: StoreSession, conversation: Conversation, queue: Queue, channel: string, now: Date): Promise<void> {
    conversation.status = 'queued';
    conversation.queueId = queue.id;
    conversation.resolvedAt = null;
    await session.workItems.insert({
      conversationId: conversation.id,
      queueId: queue.id,
      priority: conversation.priority,
      channel,
      skills: queue.skills,
      cost: costFor(queue, channel),
      state: 'waiting',
      enqueuedAt: now,
      excludedAgents: [],
      reasons: [],
      updatedAt: now,
    });
  }
}
