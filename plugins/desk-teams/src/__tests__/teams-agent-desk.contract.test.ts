import { DomainError, silentLogger, storedPluginState, systemClock, type Agent, type PluginContext, type PluginInstance } from '@switchboard/core';
import { InMemoryStore, anAgent, runAgentDeskContract } from '@switchboard/core/testing';
import plugin, { statusOfCard } from '../index.js';
import { FakeBotFramework, teamsActivity } from '../testing/fake-bot-framework.js';

const unused = (): never => {
  throw new Error('not used by this test');
};

// The desk on a fake connector; agents' Teams users install the bot first (a real installationUpdate through the route).
runAgentDeskContract('TeamsAgentDesk on a loopback Bot Framework connector', async () => {
  const fake = await FakeBotFramework.start();
  const store = new InMemoryStore();
  const state = storedPluginState(store, 'teams', () => new Date());
  const reached: Agent = anAgent({ desk: { teams: '29:reached' } });
  const unreached: Agent = anAgent({ desk: {} });
  const agents = new Map([reached, unreached].map((a) => [a.id, a]));
  const context: PluginContext<'desk'> = {
    instanceId: 'teams',
    logger: silentLogger,
    clock: systemClock,
    dataDir: '/tmp/desk-teams',
    role: 'all',
    state,
    desk: { accept: unused, decline: unused, reply: unused, note: unused, resolve: unused, reopen: unused, transfer: unused, setPresence: unused, lookUpCustomer: unused, listWork: unused },
    reads: {
      customer: unused,
      customersByIdentity: unused,
      conversation: unused,
      timeline: unused,
      work: unused,
      queueByName: unused,
        agents: unused,
        queues: unused,
      agent: async (id) => {
        const agent = agents.get(id);
        if (!agent) throw new DomainError('not_found', 'ROUTING.AGENT_NOT_FOUND', id);
        return agent;
      },
      agentByDesk: async (_desk, user) => [...agents.values()].find((a) => a.desk.teams === user) ?? null,
    },
  };
  const instance: PluginInstance = await plugin.create(context, plugin.configSchema.parse({}));
  const route = instance.routes?.find((r) => r.path === '/messages');
  if (!route || !instance.desk) throw new Error('the plugin serves no /messages route or desk');
  const install = teamsActivity(fake, { id: '29:reached', aadObjectId: 'aad-reached' }, { type: 'installationUpdate', action: 'add' });
  const answer = await route.handle({ method: 'POST', path: '/messages', headers: {}, query: {}, rawBody: new TextEncoder().encode(JSON.stringify(install)) });
  if (answer.status !== 200) throw new Error(`install answered ${answer.status}`);
  return {
    desk: instance.desk,
    reached,
    unreached,
    async seen(agentId) {
      const user = agents.get(agentId)?.desk.teams;
      const calls = user ? fake.callsTo(`a:chat-${user}`) : [];
      const postIds = new Map((await state.list('post:')).map((e) => [e.value as string, e.key.slice('post:'.length)]));
      const roots = new Map((await state.list('root:')).map((e) => [e.key.slice('root:'.length), (e.value as { conversationId: string }).conversationId]));
      const offers = calls
        .filter((c) => c.kind === 'send' && c.activity.attachments?.length)
        .map((sent) => {
          const card = sent.activity.attachments?.[0]?.content ?? {};
          const offerId = ((card['actions'] as { data: { offerId: string } }[] | undefined)?.[0]?.data.offerId) ?? '';
          const latest = calls.filter((c) => c.kind === 'update' && c.activityId === sent.newId).at(-1)?.activity.attachments?.[0]?.content ?? card;
          return { offerId, status: statusOfCard(latest) ?? 'offered' };
        });
      const posts = calls
        .filter((c) => c.kind === 'reply')
        .map((c) => ({ conversationId: roots.get(c.newId ?? '') ?? '', postId: postIds.get(c.newId ?? '') ?? '', text: c.activity.text ?? '' }));
      const notices = calls.filter((c) => c.kind === 'send' && !c.activity.attachments?.length && !c.activity.text?.startsWith('Conversation ')).map((c) => c.activity.text ?? '');
      return { offers, posts, notices };
    },
    dispose: () => fake.stop(),
  };
});
