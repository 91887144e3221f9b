import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DomainError, silentLogger, storedPluginState, systemClock, type Agent, type DeskOffer, type PluginContext, type PluginInstance, type PluginState } from '@switchboard/core';
import { aConversation, aCustomer, anAgent, InMemoryStore, runAgentDeskContract } from '@switchboard/core/testing';
import slackPlugin from '@switchboard/desk-slack';
import { createPostgresStore, type TypeormStore } from '@switchboard/storage-postgres';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, startSlackFake, type SlackFake, type TestDatabase } from '../harness/index.js';

const unused = (): never => {
  throw new Error('not used by this test');
};

/** A desk-slack instance as the hub makes one: its state on the given plugin state, Web API on the fake. */
const startSlackDesk = async (options: {
  fake: SlackFake;
  state: PluginState;
  agents: readonly Agent[];
  dataDir?: string;
  role?: PluginContext['role'];
  config?: Record<string, unknown>;
}): Promise<PluginInstance> => {
  const byId = new Map(options.agents.map((a) => [a.id, a]));
  const context: PluginContext<'desk'> = {
    instanceId: 'slack',
    logger: silentLogger,
    clock: systemClock,
    dataDir: options.dataDir ?? join(tmpdir(), `sb-slack-${randomUUID()}`),
    role: options.role ?? 'all',
    state: options.state,
    desk: { accept: unused, decline: unused, reply: unused, note: unused, resolve: unused, reopen: unused, transfer: unused, setPresence: unused, lookUpCustomer: unused, listWork: unused },
    reads: {
      // A thread opened without an offer names the customer of its conversation.
      customer: async (id) => ({ ...aCustomer({ id, displayName: 'Ada Lovelace' }), identities: [] }),
      customersByIdentity: unused,
      conversation: async (id) => ({ ...aConversation({ id }), interactions: [] }),
      timeline: unused,
      work: unused,
      queueByName: unused,
      agents: async () => [...byId.values()],
      queues: unused,
      agent: async (id) => {
        const agent = byId.get(id);
        if (!agent) throw new DomainError('not_found', 'ROUTING.AGENT_NOT_FOUND', id);
        return agent;
      },
      agentByDesk: async (_desk, user) => [...byId.values()].find((a) => a.desk.slack === user) ?? null,
    },
  };
  const instance = await slackPlugin.create(context, slackPlugin.configSchema.parse({ botToken: 'xoxb-test', signingSecret: 'test-signing-secret', slackApiUrl: options.fake.url, retries: 0, ...options.config }));
  await instance.start?.();
  return instance;
};

const offerFor = (agentId: string): DeskOffer => ({
  offerId: randomUUID(),
  agentId,
  queueName: 'support',
  expiresAt: new Date(Date.now() + 60_000),
  context: {
    conversationId: randomUUID(),
    customer: { id: randomUUID(), displayName: 'Ada Lovelace', identities: [{ kind: 'email', value: 'ada@example.com' }] },
    channel: 'email',
    subject: 'Order 1234',
    recent: [{ channel: 'email', direction: 'inbound', text: 'Where is my order?', occurredAt: new Date() }],
  },
});

const offerIdOf = (blocks: unknown): string | undefined => /offer:([0-9a-f-]{36})/.exec(JSON.stringify(blocks ?? ''))?.[1];
const STATUS: Record<string, 'accepted' | 'declined' | 'expired' | 'rescinded'> = { 'Offer accepted': 'accepted', 'Offer declined': 'declined', 'Offer expired': 'expired', 'Offer rescinded': 'rescinded' };

// The desk on the Slack fake, its state in an in-memory store: what the agent sees is read back
// from the fake's recorded calls (DMs to `D<user>`, updates by ts) and the state's thread keys.
runAgentDeskContract('SlackAgentDesk on a loopback Slack Web API', async () => {
  const fake = await startSlackFake();
  const state = storedPluginState(new InMemoryStore(), 'slack', () => new Date());
  const reached = anAgent({ desk: { slack: 'UREACHED' } });
  const unreached = anAgent({ desk: {} });
  const instance = await startSlackDesk({ fake, state, agents: [reached, unreached] });
  if (!instance.desk) throw new Error('the plugin serves no desk');
  return {
    desk: instance.desk,
    reached,
    unreached,
    async seen(agentId) {
      const user = agentId === reached.id ? 'UREACHED' : undefined;
      const dm = `D${user}`;
      const calls = user ? fake.callsTo('chat.postMessage').filter((c) => c.args['channel'] === dm) : [];
      const updates = fake.callsTo('chat.update');
      const offers = calls.flatMap((c) => {
        const offerId = offerIdOf(c.args['blocks']);
        if (!offerId) return [];
        const latest = updates.filter((u) => u.args['ts'] === c.result['ts']).at(-1);
        return [{ offerId, status: latest ? (STATUS[String(latest.args['text'])] ?? 'offered') : ('offered' as const) }];
      });
      const threadOf = new Map((await state.list('tc:')).map((e) => [e.key.slice('tc:'.length), e.value as string]));
      const postOf = new Map((await state.list('post:')).map((e) => [e.value as string, e.key.slice('post:'.length).split(':')[0] ?? '']));
      const posts = calls
        .filter((c) => typeof c.args['thread_ts'] === 'string')
        .map((c) => ({ conversationId: threadOf.get(`${dm}:${String(c.args['thread_ts'])}`) ?? '', postId: postOf.get(String(c.result['ts'])) ?? '', text: String(c.args['text'] ?? '') }));
      const notices = calls.filter((c) => c.args['blocks'] === undefined && c.args['thread_ts'] === undefined && !String(c.args['text']).startsWith('Conversation with')).map((c) => String(c.args['text'] ?? ''));
      return { offers, posts, notices };
    },
    dispose: async () => {
      await instance.stop?.();
      await fake.close();
    },
  };
});

describe('desk-slack state in the hub store (PostgreSQL), shared by several hub processes', () => {
  let db: TestDatabase;
  let store: TypeormStore;
  let fake: SlackFake;
  const ann = anAgent({ desk: { slack: 'UANN' } });

  beforeAll(async () => {
    [db, fake] = await Promise.all([createTestDatabase(), startSlackFake()]);
    store = createPostgresStore({ url: db.url });
    await store.migrate();
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await Promise.all([db?.drop(), fake?.close()]);
  });

  it('posts one DM when two processes deliver the same offer at once, and either updates it in place', async () => {
    // Two instances = two processes: nothing shared but the store.
    const [a, b] = await Promise.all([
      startSlackDesk({ fake, state: storedPluginState(store, 'slack', () => new Date()), agents: [ann] }),
      startSlackDesk({ fake, state: storedPluginState(store, 'slack', () => new Date()), agents: [ann] }),
    ]);
    try {
      const offer = offerFor(ann.id);
      await Promise.all([a.desk?.deliverOffer(offer), b.desk?.deliverOffer(offer), a.desk?.deliverOffer(offer)]);
      const shown = fake.callsTo('chat.postMessage').filter((c) => offerIdOf(c.args['blocks']) === offer.offerId);
      expect(shown).toHaveLength(1);
      // The other process accepts it: the same message is updated, and becomes the working thread.
      await b.desk?.updateOffer({ offerId: offer.offerId, agentId: ann.id, status: 'accepted' });
      const updates = fake.callsTo('chat.update').filter((u) => u.args['ts'] === shown[0]?.result['ts']);
      expect(updates.map((u) => u.args['text'])).toEqual(['Offer accepted']);
      // A customer message posted by the first process lands in that thread, once.
      const post = { postId: randomUUID(), conversationId: offer.context.conversationId, agentId: ann.id, kind: 'customer-message' as const, text: 'Any news?', occurredAt: new Date() };
      await a.desk?.postToThread(post);
      await b.desk?.postToThread(post);
      const inThread = fake.callsTo('chat.postMessage').filter((c) => c.args['thread_ts'] === shown[0]?.result['ts']);
      expect(inThread.map((c) => String(c.args['text']))).toEqual([expect.stringContaining('Any news?')]);
      // Nothing in a data folder: the state is rows of plugin_state.
      const rows = await db.pool.query<{ key: string }>("SELECT key FROM plugin_state WHERE instance_id = 'slack' ORDER BY key");
      expect(rows.rows.map((r) => r.key)).toEqual(
        expect.arrayContaining([`offer:${offer.offerId}`, `claim:offer:${offer.offerId}`, `thread:${offer.context.conversationId}:${ann.id}`, 'dm:UANN', `post:${post.postId}:${ann.id}`]),
      );
    } finally {
      await Promise.all([a.stop?.(), b.stop?.()]);
    }
  });

  it('retries a failed post at once: the claim of a delivery that posted nothing is given up', async () => {
    const desk = await startSlackDesk({ fake, state: storedPluginState(store, 'slack', () => new Date()), agents: [ann] });
    try {
      const offer = offerFor(ann.id);
      fake.rateLimit('chat.postMessage', 1, 0);
      // retries: 0, so a 429 fails the call (the job queue would retry it).
      await expect(desk.desk?.deliverOffer(offer)).rejects.toThrow();
      await desk.desk?.deliverOffer(offer);
      expect(fake.callsTo('chat.postMessage').filter((c) => offerIdOf(c.args['blocks']) === offer.offerId)).toHaveLength(1);
    } finally {
      await desk.stop?.();
    }
  });

  it('imports the slack-state.json of earlier versions once, leaves the file, and acts on what it knew', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sb-slack-import-'));
    const instanceState = storedPluginState(store, 'slack-imported', () => new Date());
    try {
      const offerId = randomUUID();
      const conversationId = randomUUID();
      const file = join(dataDir, 'slack-state.json');
      const legacy = {
        offers: { [offerId]: { channel: 'DUANN', ts: '1600000000.000100', conversationId, agentId: ann.id, summary: [{ type: 'section', text: { type: 'mrkdwn', text: '*Old*' } }], status: 'pending' } },
        threads: { [`${conversationId}:${ann.id}`]: { channel: 'DUANN', ts: '1600000000.000100' } },
        threadConversations: { 'DUANN:1600000000.000100': conversationId },
        posts: { [`old-post:${ann.id}`]: '1600000000.000200' },
        dms: { UANN: 'DUANN' },
      };
      await writeFile(file, JSON.stringify(legacy));
      const first = await startSlackDesk({ fake, state: instanceState, agents: [ann], dataDir });
      const postsBefore = fake.callsTo('chat.postMessage').length;
      // The imported offer is shown already: delivering it again posts nothing; its answer updates the old message.
      await first.desk?.deliverOffer({ ...offerFor(ann.id), offerId, context: { ...offerFor(ann.id).context, conversationId } });
      expect(fake.callsTo('chat.postMessage').length).toBe(postsBefore);
      await first.desk?.updateOffer({ offerId, agentId: ann.id, status: 'expired' });
      expect(fake.callsTo('chat.update').filter((u) => u.args['ts'] === '1600000000.000100').map((u) => u.args['text'])).toEqual(['Offer expired']);
      // A post the file knew is not posted again; a new one goes into the imported thread.
      await first.desk?.postToThread({ postId: 'old-post', conversationId, agentId: ann.id, kind: 'note', text: 'old', occurredAt: new Date() });
      await first.desk?.postToThread({ postId: randomUUID(), conversationId, agentId: ann.id, kind: 'note', text: 'new note', occurredAt: new Date() });
      const threadPosts = fake.callsTo('chat.postMessage').filter((c) => c.args['thread_ts'] === '1600000000.000100');
      expect(threadPosts.map((c) => String(c.args['text']))).toEqual([expect.stringContaining('new note')]);
      await first.stop?.();
      expect(existsSync(file)).toBe(true);
      expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(legacy);

      // Once: a file changed afterwards (an old process still writing it) is not imported again.
      const laterOffer = randomUUID();
      await writeFile(file, JSON.stringify({ ...legacy, offers: { [laterOffer]: legacy.offers[offerId] } }));
      const second = await startSlackDesk({ fake, state: instanceState, agents: [ann], dataDir });
      await second.stop?.();
      expect(await instanceState.get(`offer:${laterOffer}`)).toBeUndefined();
      expect(await instanceState.get(`imported:slack-state.json`)).toMatchObject({ entries: 6 });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('expires the keys of old offers and posts where workers run, and keeps threads, DMs and recent keys', async () => {
    const instanceId = `slack-retention-${randomUUID()}`;
    const days = (n: number) => new Date(Date.now() - n * 86_400_000);
    // What a desk wrote 40 days ago (its state stamped then), and an offer shown today.
    const old = await startSlackDesk({ fake, state: storedPluginState(store, instanceId, () => days(40)), agents: [ann], role: 'api' });
    const oldOffer = offerFor(ann.id);
    const oldPost = { postId: randomUUID(), conversationId: oldOffer.context.conversationId, agentId: ann.id, kind: 'note' as const, text: 'old note', occurredAt: days(40) };
    await old.desk?.deliverOffer(oldOffer);
    await old.desk?.updateOffer({ offerId: oldOffer.offerId, agentId: ann.id, status: 'accepted' });
    await old.desk?.postToThread(oldPost);
    await old.stop?.();
    const state = storedPluginState(store, instanceId, () => new Date());
    const recent = await startSlackDesk({ fake, state, agents: [ann], role: 'api', config: { stateRetentionDays: 30 } });
    const recentOffer = offerFor(ann.id);
    await recent.desk?.deliverOffer(recentOffer);
    await recent.stop?.();
    const keys = async () => (await state.list('')).map((e) => e.key).sort();
    const everything = await keys();
    expect(everything).toEqual(
      expect.arrayContaining([`offer:${oldOffer.offerId}`, `claim:offer:${oldOffer.offerId}`, `post:${oldPost.postId}:${ann.id}`, `offer:${recentOffer.offerId}`]),
    );
    // An api process prunes nothing (it started and stopped above); a worker prunes at start.
    const worker = await startSlackDesk({ fake, state, agents: [ann], role: 'worker', config: { stateRetentionDays: 30 } });
    try {
      const expired = [`offer:${oldOffer.offerId}`, `claim:offer:${oldOffer.offerId}`, `post:${oldPost.postId}:${ann.id}`];
      await vi.waitFor(async () => expect(await keys()).toEqual(everything.filter((k) => !expired.includes(k))), { timeout: 10_000 });
      expect(await keys()).toEqual(
        expect.arrayContaining([`thread:${oldOffer.context.conversationId}:${ann.id}`, 'dm:UANN', `offer:${recentOffer.offerId}`, `claim:offer:${recentOffer.offerId}`]),
      );
      // A late answer to the expired offer changes nothing in Slack and fails nothing.
      const updatesBefore = fake.callsTo('chat.update').length;
      await worker.desk?.updateOffer({ offerId: oldOffer.offerId, agentId: ann.id, status: 'expired' });
      expect(fake.callsTo('chat.update').length).toBe(updatesBefore);
    } finally {
      await worker.stop?.();
    }
  });

  it('starts on a torn state file: nothing imported, the desk works, and the file is not read again', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sb-slack-torn-'));
    const instanceState = storedPluginState(store, 'slack-torn', () => new Date());
    try {
      await writeFile(join(dataDir, 'slack-state.json'), '{"offers": {"x": ');
      const desk = await startSlackDesk({ fake, state: instanceState, agents: [ann], dataDir });
      const offer = offerFor(ann.id);
      await desk.desk?.deliverOffer(offer);
      await desk.stop?.();
      expect(fake.callsTo('chat.postMessage').filter((c) => offerIdOf(c.args['blocks']) === offer.offerId)).toHaveLength(1);
      expect(await instanceState.get('imported:slack-state.json')).toMatchObject({ entries: 0, unreadable: true });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
