import type { Conversation } from '../../ledger/conversation.entity.js';
import { PermanentJobError } from '../../shared/ports/job-queue.port.js';
import type { Store } from '../../store/store.port.js';
import type { AgentDesk, DeskContext, DeskOfferUpdate, DeskThreadPost } from '../ports/agent-desk.port.js';
import type { DeskRegistry } from '../ports/desk-registry.port.js';
import type { OfferToShow } from '../ports/desk-offer-store.port.js';
import type { CrmFacts } from '../../crm/use-cases/crm-facts.js';

/** How many timeline entries a desk shows with an offer. */
export const DESK_RECENT_ENTRIES = 5;

/** Runs `call` on every desk that reaches the agent; one failing desk fails the job (retried), the others are idempotent. */
const onEveryDesk = async (desks: readonly AgentDesk[], call: (desk: AgentDesk) => Promise<void>): Promise<void> => {
  const results = await Promise.allSettled(desks.map(call));
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason instanceof Error ? r.reason.message : String(r.reason)] : []));
  if (failures.length > 0) throw new Error(`desk call failed: ${failures.join('; ')}`);
};

/**
 * The hub's side of the `AgentDesk` port: after commit, jobs show offers, their answers and the
 * entries of assigned conversations on every desk that reaches the agent. Desk-neutral: Slack and
 * Teams (and any desk plugin) get the same calls with the same context.
 */
export class NotifyDesks {
  constructor(
    private readonly store: Store,
    private readonly desks: DeskRegistry,
    private readonly crmFacts?: CrmFacts,
  ) {}

  /** Whether any desk is installed: without one, there is nothing to show and no job to plan. */
  anyDesk(): boolean {
    return this.desks.list().length > 0;
  }

  async offerCreated(offerId: string): Promise<void> {
    // One read for the offer and all it shows (one statement on PostgreSQL): this runs for every offer.
    const shown = await this.store.read((session) => session.deskOffers.toShow(offerId, DESK_RECENT_ENTRIES * 3));
    if (!shown) throw new PermanentJobError(`desk offer: offer ${offerId} does not exist`);
    const { offer, agent } = shown;
    // Answered before its job ran: the update job shows the outcome instead.
    if (offer.status !== 'pending' || !agent || !shown.conversation) return;
    // No desk reaches the agent (the offer is answered through the API): nothing to show.
    const desks = this.desks.reaching(agent);
    if (desks.length === 0) return;
    const context = await this.context(shown, shown.conversation);
    await onEveryDesk(desks, (desk) =>
      desk.deliverOffer({ offerId: offer.id, agentId: agent.id, queueName: context.queue?.name ?? '', expiresAt: offer.expiresAt, context, agentDesk: agent.desk }),
    );
  }

  async offerAnswered(offerId: string, status: DeskOfferUpdate['status']): Promise<void> {
    const found = await this.store.read(async (session) => {
      const offer = await session.offers.get(offerId);
      if (!offer) throw new PermanentJobError(`desk offer update: offer ${offerId} does not exist`);
      return { offer, agent: await session.agents.get(offer.agentId) };
    });
    if (!found.agent) return;
    const update: DeskOfferUpdate = { offerId, agentId: found.offer.agentId, status, ...(found.offer.reason ? { reason: found.offer.reason } : {}) };
    const agent = found.agent;
    await onEveryDesk(this.desks.reaching(agent), async (desk) => {
      await desk.updateOffer(update);
      // Letting an offer expire sets the agent away (when configured): say why, and how to come back.
      if (status === 'expired' && agent.presence === 'away') {
        await desk.notify(agent.id, 'An offer expired without an answer, so your presence was set to away and no more offers come to you. Set yourself available again to receive offers.');
      }
    });
  }

  async threadPost(interactionId: string, agentId: string): Promise<void> {
    const found = await this.store.read(async (session) => {
      const [interaction] = await session.interactions.getMany([interactionId]);
      if (!interaction) throw new PermanentJobError(`desk post: interaction ${interactionId} does not exist`);
      return { interaction, agent: await session.agents.get(agentId) };
    });
    if (!found.agent) return;
    const { interaction } = found;
    const kind: DeskThreadPost['kind'] =
      interaction.direction === 'inbound' ? 'customer-message' : interaction.direction === 'outbound' ? 'reply-sent' : interaction.type === 'note' ? 'note' : 'status';
    const post: DeskThreadPost = {
      postId: interaction.id,
      conversationId: interaction.conversationId,
      agentId,
      kind,
      ...(interaction.party ? { from: interaction.party } : {}),
      text: interaction.text,
      occurredAt: interaction.occurredAt,
    };
    await onEveryDesk(this.desks.reaching(found.agent), (desk) => desk.postToThread(post));
  }

  /** The customer, channel, queue, wait, SLA and recent entries a desk shows with an offer. */
  private async context(shown: OfferToShow, conversation: Conversation): Promise<DeskContext> {
    const { offer, queue, identities } = shown;
    const entries = shown.recent;
    const subject = [...entries].reverse().find((i) => i.conversationId === conversation.id && i.subject)?.subject ?? null;
    const crm = this.crmFacts
      ? (await this.crmFacts.forIdentities(identities)).map(({ system, contactId, name, company, owner, lifecycleStage, url }) => ({ system, contactId, name, company, owner, lifecycleStage, url }))
      : [];
    const sla = queue?.sla;
    const slaDue =
      sla?.firstResponseSeconds !== undefined && conversation.firstResponseAt === null
        ? { kind: 'first-response' as const, at: new Date(conversation.createdAt.getTime() + sla.firstResponseSeconds * 1000) }
        : sla?.resolutionSeconds !== undefined
          ? { kind: 'resolution' as const, at: new Date(conversation.createdAt.getTime() + sla.resolutionSeconds * 1000) }
          : undefined;
    return {
      conversationId: conversation.id,
      customer: { id: conversation.customerId, displayName: shown.customerDisplayName, identities: identities.map((i) => ({ kind: i.kind, value: i.value })) },
      channel: offer.channel,
      subject,
      ...(queue ? { queue: { id: queue.id, name: queue.name } } : {}),
      priority: conversation.priority,
      waitingSince: shown.enqueuedAt ?? conversation.createdAt,
      ...(slaDue ? { slaDue } : {}),
      ...(crm.length > 0 ? { crm } : {}),
      recent: entries.slice(0, DESK_RECENT_ENTRIES).map((i) => ({ channel: i.channel, direction: i.direction, text: i.text, occurredAt: i.occurredAt })),
    };
  }
}
