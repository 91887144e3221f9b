import type { ChannelRegistry } from '../../delivery/ports/channel-registry.port.js';
import type { CustomerView } from '../../identity/customer.entity.js';
import type { CustomerQueries } from '../../identity/use-cases/customer-queries.js';
import { conversationLifecycle, type Conversation } from '../../ledger/conversation.entity.js';
import type { Interaction } from '../../ledger/interaction.entity.js';
import { appendEntry } from '../../ledger/ledger-writer.js';
import { ledgerErrors } from '../../ledger/ledger.errors.js';
import type { Agent, Presence } from '../../routing/agent.entity.js';
import { eligibleFor } from '../../routing/eligibility.js';
import type { Offer } from '../../routing/offer.entity.js';
import { routingErrors } from '../../routing/routing.errors.js';
import type { AnswerOffer } from '../../routing/use-cases/answer-offer.use-case.js';
import { enqueueConversation, workItemFor } from '../../routing/use-cases/enqueue-conversation.js';
import { makeOffer } from '../../routing/use-cases/make-offer.js';
import type { ManageRouting } from '../../routing/use-cases/manage-routing.use-case.js';
import { releaseConversation } from '../../routing/use-cases/release-conversation.js';
import type { DomainEvent } from '../../shared/events.js';
import { newId } from '../../shared/ids.js';
import { lockKeys } from '../../shared/lock-keys.js';
import type { Clock } from '../../shared/ports/clock.port.js';
import type { Store, StoreSession } from '../../store/store.port.js';
import { deskErrors } from '../desk.errors.js';
import type { Actor, AgentWork, DeskCommands, NoteCommand, ReplyCommand, TransferTarget } from '../ports/desk-commands.port.js';

/** The agent an actor acts as: itself, or for an operator the one it names. */
const actingAgentId = (actor: Actor, named: string | undefined): string | undefined => {
  if (actor.kind === 'operator') return named;
  if (named !== undefined && named !== actor.agentId) throw deskErrors.notYourAgent();
  return actor.agentId;
};

const requireAgentId = (actor: Actor, named: string | undefined): string => {
  const agentId = actingAgentId(actor, named);
  if (agentId === undefined) throw deskErrors.agentRequired();
  return agentId;
};

/** What agents do, from the API or a Slack/Teams desk alike: one implementation of `DeskCommands`. */
/**
 * The thread a reply continues, oldest first (an email References header): the refs the customer's
 * message carried (kept most direct first), then that message itself.
 */
const referencesOf = (answered: Interaction): string[] => {
  const kept = answered.data['threadRefs'];
  const refs = Array.isArray(kept) ? kept.filter((r): r is string => typeof r === 'string') : answered.threadRef ? [answered.threadRef] : [];
  return [...new Set([...[...refs].reverse(), ...(answered.externalId ? [answered.externalId] : [])])];
};

export class DeskActions implements DeskCommands {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly offers: AnswerOffer,
    private readonly routing: ManageRouting,
    private readonly customers: CustomerQueries,
    private readonly channels: ChannelRegistry,
    private readonly options: { crmEvents?: boolean | undefined } = {},
  ) {}

  /** The `interaction.recorded` event a CRM logs the entry from (none without a CRM instance). */
  private recorded(interaction: Interaction, kind?: 'summary'): DomainEvent[] {
    if (!this.options.crmEvents) return [];
    return [{ type: 'interaction.recorded', entries: [{ interactionId: interaction.id, customerId: interaction.customerId, conversationId: interaction.conversationId, ...(kind ? { kind } : {}) }] }];
  }

  accept(actor: Actor, offerId: string): Promise<Offer> {
    return this.offers.accept(offerId, actor.kind === 'agent' ? actor.agentId : undefined);
  }

  decline(actor: Actor, offerId: string, reason?: string): Promise<Offer> {
    return this.offers.decline(offerId, reason, actor.kind === 'agent' ? actor.agentId : undefined);
  }

  async reply(actor: Actor, conversationId: string, command: ReplyCommand): Promise<Interaction> {
    if (command.text.trim().length === 0) throw deskErrors.emptyReply();
    const agentId = requireAgentId(actor, command.agentId);
    return this.store.transaction(async (session) => {
      const conversation = await this.locked(session, conversationId, actor);
      if (conversation.status === 'closed') throw ledgerErrors.closed(conversationId);
      const agent = await this.agent(session, agentId);
      const lastInbound = await session.interactions.lastInbound(conversationId);
      if (!lastInbound || !conversation.lastInboundChannel) {
        throw deskErrors.nothingToReplyTo(conversationId);
      }
      const now = this.clock.now();
      const channel = conversation.lastInboundChannel;
      const id = newId();
      // A channel that names its messages itself (an email Message-ID) says so now, so that the
      // customer's answer, which refers to that id, finds this conversation.
      const externalId = this.channels.find(channel)?.outboundExternalId?.({ interactionId: id, conversationId }) ?? null;
      const interaction = await appendEntry(
        session,
        conversation,
        {
          channel,
          direction: 'outbound',
          type: 'message',
          externalId,
          threadRef: lastInbound.threadRef ?? lastInbound.externalId,
          subject: lastInbound.subject ? (/^re:/i.test(lastInbound.subject) ? lastInbound.subject : `Re: ${lastInbound.subject}`) : null,
          text: command.text,
          html: command.html ?? null,
          party: lastInbound.party,
          agentId: agent.id,
          data: { inReplyTo: lastInbound.externalId, references: referencesOf(lastInbound) },
        },
        now,
        id,
      );
      await session.deliveries.insert({
        interactionId: interaction.id,
        channel: interaction.channel,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: now,
        leaseUntil: null,
        reason: null,
        providerMessageId: null,
        updatedAt: now,
      });
      await session.conversations.update(conversationLifecycle.agentReplied(conversation, now));
      await session.outbox.add([
        { type: 'delivery.requested', interactionId: interaction.id, attempt: 1 },
        ...this.deskPost(conversation, interaction),
        ...this.recorded(interaction),
      ]);
      return interaction;
    });
  }

  async note(actor: Actor, conversationId: string, command: NoteCommand): Promise<Interaction> {
    if (command.text.trim().length === 0) throw deskErrors.emptyNote();
    const agentId = requireAgentId(actor, command.agentId);
    return this.store.transaction(async (session) => {
      const conversation = await this.locked(session, conversationId, actor);
      const agent = await this.agent(session, agentId);
      const now = this.clock.now();
      const interaction = await appendEntry(session, conversation, { channel: 'system', direction: 'internal', type: 'note', text: command.text, agentId: agent.id }, now);
      await session.conversations.update({ ...conversation, updatedAt: now });
      const post = [...this.deskPost(conversation, interaction), ...this.recorded(interaction)];
      if (post.length > 0) await session.outbox.add(post);
      return interaction;
    });
  }

  async resolve(actor: Actor, conversationId: string, agentId?: string): Promise<Conversation> {
    const acting = actingAgentId(actor, agentId);
    return this.store.transaction(async (session) => {
      const conversation = await this.locked(session, conversationId, actor);
      const now = this.clock.now();
      const resolved = conversationLifecycle.resolved(conversation, now);
      await releaseConversation(session, conversationId, now, 'resolved');
      await session.conversations.update(resolved);
      const entry = await this.statusEntry(session, conversation, resolved, acting, now);
      await session.outbox.add([{ type: 'conversation.resolved', conversationId }, ...this.deskPost(conversation, entry), ...this.recorded(entry, 'summary')]);
      return resolved;
    });
  }

  async reopen(actor: Actor, conversationId: string, agentId?: string): Promise<Conversation> {
    const acting = actingAgentId(actor, agentId);
    return this.store.transaction(async (session) => {
      const conversation = await this.locked(session, conversationId, actor, 'last-assignee');
      if (conversation.status !== 'resolved') throw ledgerErrors.notResolved(conversation.status);
      const queue = conversation.queueId ? await session.queues.get(conversation.queueId) : null;
      if (!queue) throw deskErrors.noQueueToReturnTo(conversationId);
      const now = this.clock.now();
      const reopened = await enqueueConversation(session, conversation, { queue, now });
      await session.conversations.update(reopened);
      await this.statusEntry(session, conversation, reopened, acting, now);
      return reopened;
    });
  }

  async transfer(actor: Actor, conversationId: string, target: TransferTarget, agentId?: string): Promise<Conversation> {
    const acting = actingAgentId(actor, agentId);
    return this.store.transaction(async (session) => {
      const conversation = await this.locked(session, conversationId, actor);
      if (conversation.status === 'resolved' || conversation.status === 'closed') {
        throw ledgerErrors.notOpen(conversation.status);
      }
      const now = this.clock.now();
      const previous = await session.workItems.get(conversationId);
      const queueId = 'queueId' in target ? target.queueId : (conversation.queueId ?? previous?.queueId ?? null);
      const queue = queueId ? await session.queues.get(queueId) : null;
      if (!queue) throw routingErrors.queueNotFound(queueId ?? '(none)');
      await releaseConversation(session, conversationId, now, 'transferred');
      const handedOver = conversationLifecycle.handedOver(conversation);
      let moved: Conversation;
      if ('agentId' in target) {
        await session.lock(lockKeys.agent(target.agentId));
        const agent = await this.agent(session, target.agentId);
        if (agent.presence !== 'available') throw deskErrors.agentUnavailable(`agent ${agent.name} is ${agent.presence}`);
        const item = workItemFor(handedOver, queue, now);
        const load = (await session.assignments.loads([agent.id])).get(agent.id) ?? { units: 0, perChannel: {} };
        // A transfer names the agent: the queue's skills do not apply, capacity does.
        const { reasons } = eligibleFor({ ...item, skills: {} }, [{ agent, load }]);
        if (reasons.length > 0) throw deskErrors.agentUnavailable(`agent ${agent.name} cannot take it: ${reasons[0]?.detail ?? ''}`);
        moved = (await makeOffer(session, { conversation: handedOver, item, existing: false, queue, agent, detail: `transferred to agent ${agent.id}`, now })).conversation;
      } else {
        moved = await enqueueConversation(session, handedOver, { queue, now });
        await session.conversations.update(moved);
      }
      await session.decisions.insert({
        id: newId(), conversationId, queueId: queue.id, at: now, outcome: 'transferred', agentId: 'agentId' in target ? target.agentId : null,
        detail: 'agentId' in target ? `transferred to agent ${target.agentId}` : `transferred to queue ${queue.name}`,
      });
      const entry = await appendEntry(session, conversation, { channel: 'system', direction: 'internal', type: 'assignment', text: 'transferred', agentId: acting ?? null, data: { target } }, now);
      // The agent it was assigned to learns in its desk thread that the conversation left.
      const post = this.deskPost(conversation, entry);
      if (post.length > 0) await session.outbox.add(post);
      return moved;
    });
  }

  async setPresence(actor: Actor, agentId: string, presence: Presence): Promise<Agent> {
    actingAgentId(actor, agentId);
    return this.routing.setPresence(agentId, presence);
  }

  lookUpCustomer(_actor: Actor, identity: string): Promise<CustomerView[]> {
    return this.customers.customersByIdentity(identity);
  }

  async listWork(actor: Actor, agentId: string): Promise<AgentWork> {
    actingAgentId(actor, agentId);
    return this.store.read(async (session) => {
      if (!(await session.agents.get(agentId))) throw routingErrors.agentNotFound(agentId);
      // Capacity bounds both lists far below a page of 200.
      const [offers, assigned] = await Promise.all([
        session.offers.listByAgent(agentId, 'pending', { limit: 200 }),
        session.conversations.list({ assignedTo: agentId }, { limit: 200 }),
      ]);
      return { offers: offers.items, assigned: assigned.items };
    });
  }

  /**
   * Locks and reads a conversation, and checks that an agent actor may act on it: it must be
   * assigned to that agent (`current`), or for a resolved one have been last (`last-assignee`).
   */
  private async locked(session: StoreSession, conversationId: string, actor: Actor, rule: 'current' | 'last-assignee' = 'current'): Promise<Conversation> {
    await session.lock(lockKeys.conversation(conversationId));
    const conversation = await session.conversations.get(conversationId);
    if (!conversation) throw ledgerErrors.conversationNotFound(conversationId);
    if (actor.kind === 'agent') {
      const holder =
        rule === 'current'
          ? conversation.assignment?.agentId
          : (await session.decisions.listByConversation(conversationId)).filter((d) => d.outcome === 'accepted').at(-1)?.agentId;
      if (holder !== actor.agentId) throw deskErrors.notAssignedToYou(conversationId);
    }
    return conversation;
  }

  private async agent(session: StoreSession, agentId: string): Promise<Agent> {
    const agent = await session.agents.get(agentId);
    if (!agent) throw deskErrors.unknownAgent(agentId);
    return agent;
  }

  /** The `desk.post` event that shows an entry in the desk thread of the conversation's assignee, if any. */
  private deskPost(conversation: Conversation, interaction: Interaction): DomainEvent[] {
    const agentId = conversation.assignment?.agentId;
    return agentId ? [{ type: 'desk.post', interactionId: interaction.id, conversationId: conversation.id, agentId }] : [];
  }

  private async statusEntry(session: StoreSession, before: Conversation, after: Conversation, agentId: string | undefined, now: Date): Promise<Interaction> {
    const [from, to] = [before.status, after.status];
    return appendEntry(session, before, { channel: 'system', direction: 'internal', type: 'status', text: `status ${from} → ${to}`, agentId: agentId ?? null, data: { from, to } }, now);
  }
}
