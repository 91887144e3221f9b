import type { AgentDesk, Clock, DeskOffer, DeskOfferUpdate, DeskReads, DeskThreadPost } from '@switchboard/core';
import type { App } from '@slack/bolt';
import { answeredBlocks, contextBlocks, customerName, offerBlocks, offerText, outcomeText } from './offer-blocks.js';
import type { SlackState } from './slack-state.js';

type WebClient = App['client'];

export const SLACK_BINDING = 'slack';

export const threadKey = (conversationId: string, agentId: string): string => `${conversationId}:${agentId}`;
export const threadConversationKey = (channel: string, ts: string): string => `${channel}:${ts}`;

const POST_PREFIX: Record<DeskThreadPost['kind'], string> = {
  'customer-message': ':speech_balloon:',
  'reply-sent': ':outbox_tray: Sent to the customer:',
  note: ':memo: Note:',
  status: ':information_source:',
};

/**
 * The hub's calls into Slack (the driven side of the desk): offers as Block Kit DMs, updated in
 * place, and the working thread of each assigned conversation. Every call is idempotent through
 * the state: an offer or post already shown is not shown again.
 */
export class SlackAgentDesk implements AgentDesk {
  /** Serialises calls per agent, so a post never races the offer update that opens its thread. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly client: WebClient,
    private readonly state: SlackState,
    private readonly reads: DeskReads,
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
      if (this.state.data.offers[offer.offerId]) return;
      const channel = await this.dmOf(offer.agentId);
      const posted = await this.client.chat.postMessage({ channel, text: offerText(offer), blocks: offerBlocks(offer, this.clock.now()) });
      if (!posted.ts) throw new Error('chat.postMessage answered without a ts');
      this.state.data.offers[offer.offerId] = {
        channel: posted.channel ?? channel,
        ts: posted.ts,
        conversationId: offer.context.conversationId,
        agentId: offer.agentId,
        summary: contextBlocks(offer.context, this.clock.now()),
        status: 'pending',
      };
      await this.state.save();
    });
  }

  updateOffer(update: DeskOfferUpdate): Promise<void> {
    return this.serial(update.agentId, async () => {
      const shown = this.state.data.offers[update.offerId];
      // Never shown (the agent was bound later, the delivery failed for good): nothing to update.
      if (!shown || shown.status === update.status) return;
      await this.client.chat.update({ channel: shown.channel, ts: shown.ts, text: outcomeText(update), blocks: answeredBlocks(shown.summary, update, this.notePrefix) });
      shown.status = update.status;
      // The offer's message becomes the working thread of the accepted conversation.
      if (update.status === 'accepted') this.setThread(shown.conversationId, update.agentId, { channel: shown.channel, ts: shown.ts });
      await this.state.save();
    });
  }

  postToThread(post: DeskThreadPost): Promise<void> {
    return this.serial(post.agentId, async () => {
      const postKey = `${post.postId}:${post.agentId}`;
      if (this.state.data.posts[postKey] || this.ownPosts.has(postKey)) return;
      const thread = this.state.data.threads[threadKey(post.conversationId, post.agentId)] ?? (await this.openThread(post.conversationId, post.agentId));
      const from = post.kind === 'customer-message' && post.from ? ` *${post.from.name ?? post.from.value}*:` : '';
      const posted = await this.client.chat.postMessage({ channel: thread.channel, thread_ts: thread.ts, text: `${POST_PREFIX[post.kind]}${from} ${post.text}` });
      this.state.data.posts[postKey] = posted.ts ?? 'posted';
      await this.state.save();
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
    this.setThread(conversationId, agentId, thread);
    await this.state.save();
    return thread;
  }

  private setThread(conversationId: string, agentId: string, thread: { channel: string; ts: string }): void {
    this.state.data.threads[threadKey(conversationId, agentId)] = thread;
    this.state.data.threadConversations[threadConversationKey(thread.channel, thread.ts)] = conversationId;
  }

  /** The DM channel between the bot and the agent's Slack user. */
  async dmOf(agentId: string): Promise<string> {
    const agent = (await this.reads.agents()).find((a) => a.id === agentId);
    const user = agent?.desk.slack;
    if (!user) throw new Error(`agent ${agentId} has no Slack binding`);
    return this.dmOfUser(user);
  }

  async dmOfUser(user: string): Promise<string> {
    const known = this.state.data.dms[user];
    if (known) return known;
    const opened = await this.client.conversations.open({ users: user });
    const channel = opened.channel?.id;
    if (!channel) throw new Error('conversations.open answered without a channel');
    this.state.data.dms[user] = channel;
    await this.state.save();
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
