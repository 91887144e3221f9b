import { isDomainError, type Actor, type DeskCommands, type DeskReads, type Logger } from '@switchboard/core';
import type { IncomingActivity, Turn } from './bot-framework.adapter.js';
import { COMMAND_HELP, parseDeskText, type DeskTextCommand } from './desk-command.parser.js';
import { isConversationAction, isOfferAction } from './offer-card.js';
import type { TeamsAgentDesk } from './teams-agent-desk.js';
import type { TeamsDeskState, Thread } from './teams-state.js';

export interface TeamsBotOptions {
  desk: DeskCommands;
  reads: Pick<DeskReads, 'agentByDesk' | 'queueByName'>;
  state: TeamsDeskState;
  agentDesk: TeamsAgentDesk;
  logger: Logger;
  /** Who an unknown user should ask to be linked (shown in the refusal). */
  linkHint: string;
}

const refusal = (error: unknown): string => {
  if (isDomainError(error)) {
    if (error.kind === 'forbidden') return `Not allowed: ${error.message}`;
    if (error.kind === 'conflict') return `That can't be done now: ${error.message}`;
    if (error.kind === 'not_found') return `Not found: ${error.message}`;
    return `That didn't work: ${error.message}`;
  }
  throw error;
};

/** What the bot does with an inbound activity: every agent action goes through DeskCommands. */
export class TeamsBot {
  constructor(private readonly options: TeamsBotOptions) {}

  async handle(turn: Turn): Promise<void> {
    const { activity } = turn;
    // Installed, added to a chat, or first messaged: keep the reference for proactive messages.
    if (activity.type === 'installationUpdate' || activity.type === 'conversationUpdate' || activity.type === 'message') {
      if (activity.from.id && !(activity.type === 'installationUpdate' && activity.action === 'remove')) await this.options.state.saveReference(turn.reference);
    }
    if (activity.type !== 'message') return;
    const agent = (await this.options.reads.agentByDesk('teams', activity.from.id)) ?? (activity.from.aadObjectId ? await this.options.reads.agentByDesk('teams', activity.from.aadObjectId) : null);
    if (!agent) {
      await turn.answer({
        text:
          `Hello${activity.from.name ? ` ${activity.from.name}` : ''}, you are not linked to a Switchboard agent yet, so I can't act for you. ` +
          `${this.options.linkHint} Your Teams id: \`${activity.from.aadObjectId ?? activity.from.id}\`.`,
      });
      return;
    }
    const actor: Actor = { kind: 'agent', agentId: agent.id };
    try {
      await turn.answer({ text: await this.act(actor, activity) });
    } catch (error) {
      await turn.answer({ text: refusal(error) });
    }
  }

  private async act(actor: Actor & { kind: 'agent' }, activity: IncomingActivity): Promise<string> {
    const { desk } = this.options;
    if (isOfferAction(activity.value)) {
      const { action, offerId } = activity.value;
      const offer = action === 'accept' ? await desk.accept(actor, offerId) : await desk.decline(actor, offerId, 'declined in Teams');
      await this.options.agentDesk.updateOffer({ offerId, agentId: offer.agentId, status: action === 'accept' ? 'accepted' : 'declined' });
      return action === 'accept' ? 'Accepted. Reply to the card to answer the customer.' : 'Declined.';
    }
    if (isConversationAction(activity.value)) {
      const { action, conversationId, text } = activity.value;
      if (action === 'resolve') {
        await desk.resolve(actor, conversationId);
        return 'Resolved.';
      }
      if (!text?.trim()) return 'Write the text in the box first.';
      if (action === 'note') {
        await desk.note(actor, conversationId, { text: text.trim() });
        return 'Note added.';
      }
      await desk.reply(actor, conversationId, { text: text.trim() });
      return 'Sent to the customer.';
    }
    const thread = activity.replyToId ? await this.options.state.threadOf(activity.replyToId) : undefined;
    const parsed = parseDeskText(activity.text ?? '', thread !== undefined);
    if (parsed.kind === 'invalid') return `${parsed.problem}\n\nCommands:\n\n${COMMAND_HELP}`;
    if (parsed.kind === 'text') {
      // Only reached in a thread: a reply to the customer.
      const conversationId = (thread as Thread).conversationId;
      await desk.reply(actor, conversationId, { text: parsed.text });
      return 'Sent to the customer.';
    }
    return this.run(actor, parsed.command, thread);
  }

  private async run(actor: Actor & { kind: 'agent' }, command: DeskTextCommand, thread: Thread | undefined): Promise<string> {
    const { desk } = this.options;
    switch (command.name) {
      case 'help':
        return `Commands:\n\n${COMMAND_HELP}`;
      case 'status':
        await desk.setPresence(actor, actor.agentId, command.presence);
        return `You are now ${command.presence}.`;
      case 'mine': {
        const work = await desk.listWork(actor, actor.agentId);
        const lines = [
          ...work.offers.map((o) => `offer ${o.id} (conversation ${o.conversationId}) until ${o.expiresAt.toISOString()}`),
          ...work.assigned.map((c) => `assigned: conversation ${c.id} (${c.status})`),
        ];
        return lines.length === 0 ? 'Nothing waiting for you.' : lines.join('\n\n');
      }
      case 'whois': {
        const identity = command.identity.includes('@') ? `email:${command.identity}` : `phone:${command.identity}`;
        const customers = await desk.lookUpCustomer(actor, identity);
        if (customers.length === 0) return `No customer with ${identity}.`;
        return customers.map((c) => `${c.displayName ?? 'Unnamed'} (${c.id}): ${c.identities.map((i) => `${i.kind}:${i.value}`).join(', ')}`).join('\n\n');
      }
      default: {
        const conversationId = thread?.conversationId ?? (await this.onlyAssigned(actor));
        if (conversationId === undefined) return `Which conversation? Send \`${command.name}\` as a reply in the conversation's thread.`;
        if (command.name === 'resolve') {
          await desk.resolve(actor, conversationId);
          return 'Resolved.';
        }
        if (command.name === 'reopen') {
          await desk.reopen(actor, conversationId);
          return 'Reopened.';
        }
        if (command.name === 'note') {
          await desk.note(actor, conversationId, { text: command.text });
          return 'Note added.';
        }
        const queue = await this.options.reads.queueByName(command.queue);
        if (!queue) return `There is no queue named '${command.queue}'.`;
        await desk.transfer(actor, conversationId, { queueId: queue.id });
        return `Transferred to ${command.queue}.`;
      }
    }
  }

  // Outside a thread, a command applies to the agent's one assigned conversation, if there is just one.
  private async onlyAssigned(actor: Actor & { kind: 'agent' }): Promise<string | undefined> {
    const work = await this.options.desk.listWork(actor, actor.agentId);
    return work.assigned.length === 1 ? work.assigned[0]?.id : undefined;
  }
}
