import { DomainError, type AgentDesk, type Clock, type DeskOffer, type DeskOfferUpdate, type DeskReads, type DeskThreadPost } from '@switchboard/core';
import type { BotFrameworkConnection, StoredReference } from './bot-framework.adapter.js';
import { offerCard, offerCardData } from './offer-card.js';
import type { TeamsDeskState, Thread } from './teams-state.js';

// A delivery that claimed an offer but never recorded its card (it crashed) is taken over after this.
const CLAIM_STALE_MS = 60_000;

const POST_PREFIX: Record<DeskThreadPost['kind'], string> = {
  'customer-message': '',
  'reply-sent': '↪ sent: ',
  note: '📝 note: ',
  status: 'ℹ️ ',
};

/**
 * The AgentDesk port on Teams: offers as Adaptive Cards in the agent's chat with the bot, updated
 * in place; on accept, the card's reply chain is the conversation's working thread. Agents are
 * reached through the conversation reference stored when they installed or first messaged the
 * bot. Every call is idempotent by offer id / post id: the activity ids are kept in the hub.
 */
export class TeamsAgentDesk implements AgentDesk {
  constructor(
    private readonly connection: BotFrameworkConnection,
    private readonly state: TeamsDeskState,
    private readonly reads: Pick<DeskReads, 'agent'>,
    private readonly clock: Clock,
  ) {}

  reaches(agent: { desk: Record<string, string | undefined> }): boolean {
    const user = agent.desk['teams'];
    return user !== undefined && user !== '';
  }

  async deliverOffer(offer: DeskOffer): Promise<void> {
    // The claim first: a shown card always has one, so the common path costs one write, not a read and a write.
    const reference = await this.referenceOf(offer.agentId, offer.agentDesk?.['teams']);
    if (!(await this.state.claimOffer(offer.offerId, this.clock.now(), CLAIM_STALE_MS))) {
      // Shown already, or another delivery of the same offer is posting it: wait for its card rather than post a second one.
      for (let i = 0; i < 50; i++) {
        if (await this.state.shownOffer(offer.offerId)) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new DomainError('unavailable', 'DESK_TEAMS.OFFER_IN_FLIGHT', `offer ${offer.offerId} is being delivered by another call; retry later`);
    }
    const card = offerCardData(offer);
    let activityId: string;
    try {
      activityId = await this.through(reference, () => this.connection.send(reference, { card: offerCard(card, 'offered', this.clock.now()) }));
    } catch (error) {
      // Nothing posted: the retry may post at once instead of waiting for the claim to go stale.
      await this.state.releaseOffer(offer.offerId).catch(() => undefined);
      throw error;
    }
    await this.state.saveOffer(offer.offerId, { activityId, agentId: offer.agentId, conversationId: offer.context.conversationId, status: 'offered', card });
  }

  async updateOffer(update: DeskOfferUpdate): Promise<void> {
    const shown = await this.state.shownOffer(update.offerId);
    // Never shown (the desk was down then): nothing to edit.
    if (!shown || shown.status === update.status) return;
    const reference = await this.referenceOf(shown.agentId);
    await this.through(reference, () => this.connection.update(reference, shown.activityId, { card: offerCard(shown.card, update.status, this.clock.now()) }));
    await this.state.saveOffer(update.offerId, { ...shown, status: update.status });
    if (update.status === 'accepted') await this.state.saveThread({ rootActivityId: shown.activityId, conversationId: shown.conversationId, agentId: shown.agentId });
  }

  async postToThread(post: DeskThreadPost): Promise<void> {
    if (await this.state.postedActivity(post.postId)) return;
    const reference = await this.referenceOf(post.agentId);
    const thread = (await this.state.thread(post.agentId, post.conversationId)) ?? (await this.openThread(reference, post));
    const from = post.from?.name ?? post.from?.value;
    const text = `${POST_PREFIX[post.kind]}${post.kind === 'customer-message' && from ? `**${from}**: ` : ''}${post.text}`;
    const activityId = await this.through(reference, () => this.connection.reply(reference, thread.rootActivityId, { text }));
    await this.state.savePost(post.postId, activityId, thread);
  }

  async notify(agentId: string, text: string): Promise<void> {
    const reference = await this.referenceOf(agentId);
    await this.through(reference, () => this.connection.send(reference, { text }));
  }

  // A post for a conversation whose offer was never shown here (accepted through the API): a root message starts its thread.
  private async openThread(reference: StoredReference, post: DeskThreadPost): Promise<Thread> {
    const rootActivityId = await this.through(reference, () => this.connection.send(reference, { text: `Conversation ${post.conversationId}: replies to this message go to the customer.` }));
    const thread = { rootActivityId, conversationId: post.conversationId, agentId: post.agentId };
    await this.state.saveThread(thread);
    return thread;
  }

  /** A call to the connector: one that fails drops the cached reference, so the retry reads the stored one (it may have changed). */
  private async through<T>(reference: StoredReference, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      this.state.forgetReference(reference);
      throw error;
    }
  }

  /** `bound`: the agent's Teams user when the caller has it already (an offer carries it), else the agent is read. */
  private async referenceOf(agentId: string, bound?: string): Promise<StoredReference> {
    const user = bound || (await this.reads.agent(agentId)).desk.teams;
    if (!user) throw new DomainError('invalid', 'DESK_TEAMS.AGENT_NOT_BOUND', `agent ${agentId} has no Teams binding`);
    const reference = await this.state.reference(user);
    if (!reference) {
      throw new DomainError('unavailable', 'DESK_TEAMS.NO_REFERENCE', `the Teams user bound to agent ${agentId} has not installed or messaged the bot yet`);
    }
    return reference;
  }
}
