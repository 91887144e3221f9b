import { DomainError, type AgentDesk, type Clock, type DeskOffer, type DeskOfferUpdate, type DeskReads, type DeskThreadPost } from '@switchboard/core';
import type { App } from '@slack/bolt';
import { answeredBlocks, contextBlocks, customerName, offerBlocks, offerText, outcomeText } from './offer-blocks.js';
import type { SlackState } from './slack-state.js';

type WebClient = App['client'];

export const SLACK_BINDING = 'slack';

// A delivery that claimed an offer but never recorded its DM (its process died) is taken over after this.
const CLAIM_STALE_MS = 60_000;

const POST_PREFIX: Record<DeskThreadPost['kind'], string> = {
  'customer-message': ':speech_balloon:',
  'reply-sent': ':outbox_tray: Sent to the customer:',
  note: ':memo: Note:',
  status: ':information_source:',
};

/**
 * The hub's calls into Slack (the driven side of the desk): offers as Block Kit DMs, updated in
 * place, and the working thread of each assigned conversation. Every call is idempotent through
 * the state in the hub's store: an offer or post already shown is not shown again, by any process.
 */
export class SlackAgentDesk implements AgentDesk {
  /** Serialises calls per agent, so a post never races the offer update that opens its thread. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly client: WebClient,
    private readonly state: SlackState,
    private readonly reads: Pick<DeskReads, 'agent' | 'conversation' | 'customer'>,
    private readonly clock: Clock,
    private readonly notePrefix: string,
    /** Entries the desk wrote itself from Slack (`${id}:${agentId}`): already in the thread, not echoed. */
    private readonly ownPosts: ReadonlySet<string> = new Set(),
  ) {}

  reaches(agent: { desk: Record<string, string | undefined> }): boolean {
    const user = agent.desk[SLACK_BINDING];
    return typeof user === 'string' && user !== '';
  }

  deliverOffer(offer: DeskOffer): Promise<void> {
    return this.serial(offer.agentId, async () => {
      if (!(await this.state.claimOffer(offer.offerId, this.clock.now(), CLAIM_STALE_MS))) {
        // Shown already, or another delivery (another process) is posting it: wait for its DM rather than post a second one.
        for (let i = 0; i < 50; i++) {
          if (await this.state.shownOffer(offer.offerId)) return;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        throw new DomainError('unavailable', 'DESK_SLACK.OFFER_IN_FLIGHT', `offer ${offer.offerId} is being delivered by another call; retry later`);
      }
      let posted: Awaited<ReturnType<WebClient['chat']['postMessage']>> | undefined;
      try {
        const user = offer.agentDesk?.[SLACK_BINDING];
        const channel = user ? await this.dmOfUser(user) : await this.dmOf(offer.agentId);
        // The context shown is kept as it was posted: the answered message shows it again.
        const summary = contextBlocks(offer.context, this.clock.now());
        posted = await this.client.chat.postMessage({ channel, text: offerText(offer), blocks: offerBlocks(offer, this.clock.now(), summary) });
        if (!posted.ts) throw new Error('chat.postMessage answered without a ts');
        await this.state.saveOffer(offer.offerId, {
          channel: posted.channel ?? channel,
          ts: posted.ts,
          conversationId: offer.context.conversationId,
          agentId: offer.agentId,
          summary,
          status: 'pending',
        });
      } catch (error) {
        // Nothing posted: let the retry post at once instead of waiting for the claim to go stale.
        // (Posted but not recorded: the claim stays, and a retry after it went stale posts again.)
        if (posted === undefined) await this.state.releaseOffer(offer.offerId).catch(() => undefined);
        throw error;
      }
    });
  }

  updateOffer(update: DeskOfferUpdate): Promise<void> {
    return this.serial(update.agentId, async () => {
      const shown = await this.state.shownOffer(update.offerId);
      // Never shown (the agent was bound later, the delivery failed for good): nothing to update.
      if (!shown || shown.status === update.status) return;
      await this.client.chat.update({ channel: shown.channel, ts: shown.ts, text: outcomeText(update), blocks: answeredBlocks(shown.summary, update, this.notePrefix) });
      // The offer's message becomes the working thread of the accepted conversation.
      if (update.status === 'accepted') await this.state.saveThread(shown.conversationId, update.agentId, { channel: shown.channel, ts: shown.ts });
      await this.state.saveOffer(update.offerId, { ...shown, status: update.status });
    });
  }

  postToThread(post: DeskThreadPost): Promise<void> {
    return this.serial(post.agentId, async () => {
      const postKey = `${post.postId}:${post.agentId}`;
      if (this.ownPosts.has(postKey) || (await this.state.posted(postKey))) return;
      const thread = (await this.state.thread(post.conversationId, post.agentId)) ?? (await this.openThread(post.conversationId, post.agentId));
      const from = post.kind === 'customer-message' && post.from ? ` *${post.from.name ?? post.from.value}*:` : '';
      const posted = await this.client.chat.postMessage({ channel: thread.channel, thread_ts: thread.ts, text: `${POST_PREFIX[post.kind]}${from} ${post.text}` });
      await this.state.savePost(postKey, posted.ts ?? 'posted');
    });
  }

  notify(agentId: string, text: string): Promise<void> {
    return this.serial(agentId, async () => {
      await this.client.chat.postMessage({ channel: await this.dmOf(agentId), text });
    });
  }

  async findUserByEmail(email: string): Promise<{ binding: string; userId: string; name?: string } | null> {
    try {
      const found = await this.client.users.lookupByEmail({ email });
      return found.user?.id ? { binding: SLACK_BINDING, userId: found.user.id, ...(found.user.real_name ? { name: found.user.real_name } : {}) } : null;
    } catch (error) {
      if (error instanceof Error && /users_not_found/.test(error.message)) return null;
      throw error;
    }
  }

  /** A thread for a conversation the agent got without an offer shown here (a transfer to it, a binding made later). */
  private async openThread(conversationId: string, agentId: string) {
    const conversation = await this.reads.conversation(conversationId);
    const customer = await this.reads.customer(conversation.customerId);
    const channel = await this.dmOf(agentId);
    const name = customerName({ conversationId, customer: { id: customer.id, displayName: customer.displayName, identities: customer.identities }, channel: '', subject: null, recent: [] });
    const root = await this.client.chat.postMessage({ channel, text: `Conversation with ${name}: replies in this thread go to the customer; start with \`${this.notePrefix}\` for an internal note.` });
    if (!root.ts) throw new Error('chat.postMessage answered without a ts');
    const thread = { channel: root.channel ?? channel, ts: root.ts };
    await this.state.saveThread(conversationId, agentId, thread);
    return thread;
  }

  /** The DM channel between the bot and the agent's Slack user. */
  async dmOf(agentId: string): Promise<string> {
    // One agent by id (the list of every agent was read here before: a cost per offer that grew with the team).
    const user = (await this.reads.agent(agentId)).desk.slack;
    if (!user) throw new Error(`agent ${agentId} has no Slack binding`);
    return this.dmOfUser(user);
  }

  async dmOfUser(user: string): Promise<string> {
    const known = await this.state.dm(user);
    if (known) return known;
    const opened = await this.client.conversations.open({ users: user });
    const channel = opened.channel?.id;
    if (!channel) throw new Error('conversations.open answered without a channel');
    await this.state.saveDm(user, channel);
    return channel;
  }

  private serial<T>(agentId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(agentId) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    this.queues.set(agentId, settled);
    void settled.then(() => {
      if (this.queues.get(agentId) === settled) this.queues.delete(agentId);
    });
    return next;
  }
}
