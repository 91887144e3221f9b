import { PRESENCES, isDomainError, type Actor, type Agent, type DeskCommands, type DeskReads, type Logger, type Presence } from '@switchboard/core';
import type { App, types } from '@slack/bolt';
import { ACTIONS } from './offer-blocks.js';
import { SLACK_BINDING, type SlackAgentDesk } from './slack-agent-desk.js';
import type { SlackState } from './slack-state.js';

type KnownBlock = types.KnownBlock;

type WebClient = App['client'];

export interface ListenerDeps {
  desk: DeskCommands;
  reads: DeskReads;
  agentDesk: SlackAgentDesk;
  state: SlackState;
  notePrefix: string;
  logger: Logger;
  /** The slash command's name, as configured in the Slack app. */
  command: string;
  /** Entries this desk wrote itself (a reply typed in the thread): not echoed back into the thread. */
  ownPosts: Set<string>;
}

const AGENT_CACHE_MS = 1000;
const SUBCOMMANDS = ['status', 'resolve', 'reopen', 'transfer', 'note', 'whois', 'mine', 'help'] as const;

/** How far apart two words are (Levenshtein), to suggest the command a typo meant. */
const distance = (a: string, b: string): number => {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
};
const closest = (word: string, options: readonly string[]): string | undefined =>
  options.map((o) => ({ o, d: distance(word.toLowerCase(), o) })).filter((x) => x.d <= 2).sort((x, y) => x.d - y.d)[0]?.o;

/** What a refusal from the hub says to the agent, in the agent's words. */
export const explain = (error: unknown): string => {
  if (!isDomainError(error)) return 'Something went wrong on the hub; nothing was changed. Try again in a moment.';
  switch (error.code) {
    case 'OFFER.EXPIRED':
      return 'This offer has expired and went to the next agent: nothing was changed.';
    case 'OFFER.NOT_YOURS':
      return 'This offer was made to another agent: only they can answer it.';
    case 'OFFER.ANSWERED':
      return `This offer is no longer open (${error.message.replace(/^offer \S+ is already /, '')}): nothing was changed.`;
    case 'CONVERSATION.NOT_ASSIGNED_TO_YOU':
      return 'This conversation is no longer assigned to you (it was transferred or resolved): your message was not sent.';
    default:
      return `${error.message}: nothing was changed.`;
  }
};

const usage = (command: string): string =>
  [
    `*${command}* commands:`,
    `• \`${command} status available|busy|away|offline\`: your presence`,
    `• \`${command} mine\`: your offers and conversations`,
    `• \`${command} resolve [conversation id]\` · \`${command} reopen [conversation id]\``,
    `• \`${command} transfer <queue>|@agent [conversation id]\``,
    `• \`${command} note <text>\`: an internal note on your conversation`,
    `• \`${command} whois <email|phone>\`: look a customer up`,
    'Replies in a conversation\'s thread go to the customer.',
  ].join('\n');

/**
 * The driving side of the desk: button clicks, thread messages, the slash command and the App
 * Home become `DeskCommands` calls as the bound agent (an `agent` actor: the same authorisation
 * as an agent-bound API key). Every listener acks first; answers go to the user as ephemeral
 * messages.
 */
export const registerListeners = (app: App, deps: ListenerDeps): void => {
  const say = async (client: WebClient, channel: string, user: string, text: string, threadTs?: string) => {
    await client.chat.postEphemeral({ channel, user, text, ...(threadTs ? { thread_ts: threadTs } : {}) });
  };

  // Bindings change rarely and every request needs one: the agent list is read at most once a
  // second (a user not found is looked up afresh before being refused).
  let cached: { at: number; agents: Map<string, Agent> } | null = null;
  const boundAgent = async (user: string, fresh = false): Promise<Agent | null> => {
    if (fresh || cached === null || Date.now() - cached.at > AGENT_CACHE_MS) {
      const agents = await deps.reads.agents();
      cached = { at: Date.now(), agents: new Map(agents.flatMap((a) => (a.desk.slack ? [[a.desk.slack, a] as const] : []))) };
    }
    return cached.agents.get(user) ?? (fresh ? null : boundAgent(user, true));
  };
  const forget = () => {
    cached = null;
  };

  /** The agent bound to a Slack user, or null after telling the user how to get linked. */
  const agentOf = async (client: WebClient, user: string, answer: (text: string) => Promise<void>): Promise<Agent | null> => {
    const agent = await boundAgent(user);
    if (agent) return agent;
    let hint = '';
    try {
      const info = await client.users.info({ user });
      const email = info.user?.profile?.email;
      const match = email ? (await deps.reads.agents()).find((a) => a.email?.toLowerCase() === email.toLowerCase()) : undefined;
      if (match) hint = ` Your email matches agent *${match.name}* (\`${match.id}\`): an admin can link you with \`switchboard agents link ${match.id} --slack ${user}\`.`;
    } catch (error) {
      deps.logger.debug({ err: error instanceof Error ? error.message : String(error) }, 'users.info failed');
    }
    await answer(
      `Sorry, your Slack account is not linked to a Switchboard agent yet, so I cannot act for you.${hint || ` Ask an admin to link it: \`switchboard agents link <agent id> --slack ${user}\` (or PATCH /v1/agents/{id} with \`{"desk": {"slack": "${user}"}}\`).`}`,
    );
    return null;
  };

  const answerOffer = (accept: boolean) => async (args: { ack: () => Promise<void>; body: { user: { id: string }; channel?: { id?: string } | undefined }; action: { value?: string }; client: WebClient }) => {
    await args.ack();
    const channel = args.body.channel?.id ?? (await deps.agentDesk.dmOfUser(args.body.user.id));
    const answer = (text: string) => say(args.client, channel, args.body.user.id, text);
    const agent = await agentOf(args.client, args.body.user.id, answer);
    if (!agent) return;
    const offerId = args.action.value ?? '';
    const actor: Actor = { kind: 'agent', agentId: agent.id };
    try {
      if (accept) await deps.desk.accept(actor, offerId);
      else await deps.desk.decline(actor, offerId, 'declined in Slack');
    } catch (error) {
      await answer(explain(error));
    }
  };
  app.action({ action_id: ACTIONS.accept }, async ({ ack, body, action, client }) =>
    answerOffer(true)({ ack, body: { user: body.user, channel: 'channel' in body ? body.channel : undefined }, action: { value: 'value' in action ? action.value : '' }, client }),
  );
  app.action({ action_id: ACTIONS.decline }, async ({ ack, body, action, client }) =>
    answerOffer(false)({ ack, body: { user: body.user, channel: 'channel' in body ? body.channel : undefined }, action: { value: 'value' in action ? action.value : '' }, client }),
  );

  // Messages in a DM with the bot: a reply (or a note) in a conversation's working thread.
  app.event('message', async ({ event, client }) => {
    if (event.channel_type !== 'im' || event.subtype !== undefined || 'bot_id' in event && event.bot_id) return;
    if (!('user' in event) || typeof event.user !== 'string' || !('text' in event)) return;
    const user = event.user;
    const text = typeof event.text === 'string' ? event.text : '';
    const threadTs = 'thread_ts' in event && typeof event.thread_ts === 'string' ? event.thread_ts : undefined;
    const answer = (message: string) => say(client, event.channel, user, message, threadTs);
    const agent = await agentOf(client, user, answer);
    if (!agent) return;
    const conversationId = threadTs ? await deps.state.threadConversation(event.channel, threadTs) : undefined;
    if (!conversationId) {
      await answer(`Reply in a conversation's thread to write to the customer, or use \`${deps.command} help\`.`);
      return;
    }
    const actor: Actor = { kind: 'agent', agentId: agent.id };
    try {
      const isNote = text.startsWith(deps.notePrefix);
      const written = isNote
        ? await deps.desk.note(actor, conversationId, { text: text.slice(deps.notePrefix.length).trim() })
        : await deps.desk.reply(actor, conversationId, { text });
      deps.ownPosts.add(`${written.id}:${agent.id}`);
    } catch (error) {
      await answer(explain(error));
    }
  });

  app.command(deps.command, async ({ ack, command, client }) => {
    await ack();
    const answer = (text: string) => say(client, command.channel_id, command.user_id, text);
    const agent = await agentOf(client, command.user_id, answer);
    if (!agent) return;
    try {
      await answer(await runCommand(agent, command.text ?? '', client, command.user_id));
    } catch (error) {
      await answer(explain(error));
    }
  });

  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== undefined && event.tab !== 'home') return;
    const agent = await boundAgent(event.user);
    await client.views.publish({ user_id: event.user, view: { type: 'home', blocks: agent ? await homeBlocks(agent) : unlinkedHome(event.user) } });
  });

  const unlinkedHome = (user: string): KnownBlock[] => [
    { type: 'section', text: { type: 'mrkdwn', text: `Your Slack account is not linked to a Switchboard agent yet. Ask an admin: \`switchboard agents link <agent id> --slack ${user}\`.` } },
  ];

  const homeBlocks = async (agent: Agent): Promise<KnownBlock[]> => {
    const [work, queues] = await Promise.all([deps.reads.work(agent.id), deps.reads.queues()]);
    const assigned = work.assigned.map((c) => `• \`${c.id}\` ${c.status} since ${c.assignment?.since.toISOString() ?? '—'} (${c.channels.join(', ')})`);
    const waiting = queues.map((q) => `• *${q.name}*: ${q.waiting} waiting, ${q.offered} offered${q.oldestWaitSeconds !== null ? `, oldest ${Math.round(q.oldestWaitSeconds / 60)} min` : ''}`);
    return [
      { type: 'header', text: { type: 'plain_text', text: `Switchboard: ${agent.name}` } },
      { type: 'section', text: { type: 'mrkdwn', text: `*Presence*: ${agent.presence} (\`${deps.command} status available|busy|away|offline\`)` } },
      { type: 'section', text: { type: 'mrkdwn', text: `*Your conversations* (${work.assigned.length})\n${assigned.join('\n') || '_none_'}` } },
      { type: 'section', text: { type: 'mrkdwn', text: `*Offers waiting for you*: ${work.offers.length}` } },
      { type: 'section', text: { type: 'mrkdwn', text: `*Queues*\n${waiting.join('\n') || '_none_'}` } },
    ];
  };

  /** The conversation a command acts on: the one named, else the agent's only assigned one. */
  const targetConversation = async (agent: Agent, named: string | undefined, verb: string): Promise<string | { refusal: string }> => {
    if (named) return named;
    const { assigned } = await deps.reads.work(agent.id);
    if (assigned.length === 1) return assigned[0]!.id;
    if (assigned.length === 0) return { refusal: `You have no assigned conversation to ${verb}.` };
    return { refusal: `You have ${assigned.length} conversations: name one, \`${deps.command} ${verb} <conversation id>\` (see \`${deps.command} mine\`).` };
  };

  const runCommand = async (agent: Agent, text: string, client: WebClient, user: string): Promise<string> => {
    const actor: Actor = { kind: 'agent', agentId: agent.id };
    const [word = '', ...rest] = text.trim().split(/\s+/).filter((w) => w !== '');
    const sub = word.toLowerCase();
    switch (sub) {
      case '':
      case 'help':
        return usage(deps.command);
      case 'status': {
        const wanted = (rest[0] ?? '').toLowerCase();
        if (!(PRESENCES as readonly string[]).includes(wanted)) {
          const guess = closest(wanted, PRESENCES);
          return `Unknown status '${wanted}'.${guess ? ` Did you mean \`${guess}\`?` : ''} Use one of: ${PRESENCES.join(', ')}.`;
        }
        const updated = await deps.desk.setPresence(actor, agent.id, wanted as Presence);
        forget();
        await publishHome(client, user, updated);
        return `Your presence is now *${updated.presence}*.`;
      }
      case 'resolve': {
        const target = await targetConversation(agent, rest[0], 'resolve');
        if (typeof target !== 'string') return target.refusal;
        await deps.desk.resolve(actor, target);
        return `Conversation \`${target}\` resolved.`;
      }
      case 'reopen': {
        const named = rest[0];
        if (!named) return `Name the conversation: \`${deps.command} reopen <conversation id>\`.`;
        const reopened = await deps.desk.reopen(actor, named);
        return `Conversation \`${reopened.id}\` reopened: it is ${reopened.status} again.`;
      }
      case 'transfer': {
        const to = rest[0];
        if (!to) return `Name the target: \`${deps.command} transfer <queue>|@agent [conversation id]\`.`;
        const target = await targetConversation(agent, rest[1], 'transfer');
        if (typeof target !== 'string') return target.refusal;
        const mention = /^<@([A-Z0-9]+)(?:\|[^>]*)?>$/.exec(to);
        if (mention || to.startsWith('@')) {
          const other = mention ? await deps.reads.agentByDesk(SLACK_BINDING, mention[1]!) : (await deps.reads.agents()).find((a) => a.name.toLowerCase() === to.slice(1).toLowerCase());
          if (!other) return `No agent ${to} is known to Switchboard: nothing was changed.`;
          await deps.desk.transfer(actor, target, { agentId: other.id });
          return `Conversation \`${target}\` offered to ${other.name}.`;
        }
        const queues = await deps.reads.queues();
        const queue = queues.find((q) => q.name.toLowerCase() === to.toLowerCase());
        if (!queue) {
          const guess = closest(to, queues.map((q) => q.name.toLowerCase()));
          return `No queue '${to}'.${guess ? ` Did you mean \`${guess}\`?` : ''} Queues: ${queues.map((q) => q.name).join(', ')}. Nothing was changed.`;
        }
        await deps.desk.transfer(actor, target, { queueId: queue.id });
        return `Conversation \`${target}\` moved to queue *${queue.name}*.`;
      }
      case 'note': {
        const note = text.trim().slice(word.length).trim();
        if (!note) return `Write the note: \`${deps.command} note <text>\`.`;
        const target = await targetConversation(agent, undefined, 'note');
        if (typeof target !== 'string') return `${target.refusal} Or write \`${deps.notePrefix} your note\` in the conversation's thread.`;
        const written = await deps.desk.note(actor, target, { text: note });
        deps.ownPosts.add(`${written.id}:${agent.id}`);
        return `Note added to \`${target}\`.`;
      }
      case 'whois': {
        const who = rest[0];
        if (!who) return `Name an email or phone: \`${deps.command} whois ann@example.com\`.`;
        const identity = who.includes(':') && !who.startsWith('mailto:') ? who : who.includes('@') ? `email:${who.replace(/^mailto:/, '')}` : `phone:${who}`;
        const found = await deps.desk.lookUpCustomer(actor, identity);
        if (found.length === 0) return `No customer with ${identity}.`;
        return found.map((c) => `*${c.displayName ?? c.id}* (\`${c.id}\`): ${c.identities.map((i) => `${i.kind}:${i.value}`).join(', ')}`).join('\n');
      }
      case 'mine': {
        const work = await deps.desk.listWork(actor, agent.id);
        const offers = work.offers.map((o) => `• offer \`${o.id}\` for conversation \`${o.conversationId}\`, expires ${o.expiresAt.toISOString()}`);
        const assigned = work.assigned.map((c) => `• \`${c.id}\` ${c.status} (${c.channels.join(', ')})`);
        return `*Offers* (${offers.length})\n${offers.join('\n') || '_none_'}\n*Conversations* (${assigned.length})\n${assigned.join('\n') || '_none_'}`;
      }
      default: {
        const guess = closest(sub, SUBCOMMANDS);
        return `Unknown command '${word}'.${guess ? ` Did you mean \`${deps.command} ${guess}\`?` : ''} Try \`${deps.command} help\`.`;
      }
    }
  };

  const publishHome = async (client: WebClient, user: string, agent: Agent) => {
    await client.views.publish({ user_id: user, view: { type: 'home', blocks: await homeBlocks(agent) } }).catch((error: unknown) => {
      deps.logger.debug({ err: error instanceof Error ? error.message : String(error) }, 'views.publish failed');
    });
  };
};
