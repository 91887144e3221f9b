import { beforeEach, describe, expect, it } from 'vitest';
import type { IdentityKind } from '../../identity/identity.value-object.js';
import { ManageRouting } from '../../routing/use-cases/manage-routing.use-case.js';
import { InMemoryStore } from '../../testing/in-memory-store.js';
import { aClock, anInboundMessage, uniqueToken } from '../../testing/mothers.js';
import { IngestInbound } from '../use-cases/ingest-inbound.use-case.js';

const HOUR = 3600;

describe('IngestInbound on the in-memory store', () => {
  let store: InMemoryStore;
  let clock: ReturnType<typeof aClock>;
  let ingest: IngestInbound;

  beforeEach(async () => {
    store = new InMemoryStore();
    clock = aClock();
    ingest = new IngestInbound(store, clock, { continuityWindowSeconds: HOUR, channelQueues: {} });
    await new ManageRouting(store, clock).ensureDefaultQueue();
  });

  const mail = (from: string, extra: Parameters<typeof anInboundMessage>[0] = {}) =>
    anInboundMessage({ from: { kind: 'email', value: from }, externalId: `<${uniqueToken()}@mail.example.com>`, ...extra });
  const conversation = (id: string) => store.read((s) => s.conversations.get(id));
  const undispatched = () => store.read(async (s) => (await s.outbox.claimUndispatched(100)).map((o) => o.event));

  describe('thread references', () => {
    it('joins the conversation an earlier message of the References names, when In-Reply-To names nothing known', async () => {
      const first = await ingest.ingest(mail('ann@example.com', { externalId: '<m1@mail.example.com>' }));
      // Past the continuity window, only the reference can bring the answer back to that conversation.
      clock.advance(2 * HOUR);
      const answer = await ingest.ingest(
        mail('ann@example.com', { threadRefs: ['<never-seen@elsewhere.example.com>', '<m1@mail.example.com>'] }),
      );
      expect(answer.conversationId).toBe(first.conversationId);
      const entry = await store.read((s) => s.interactions.get(answer.interactionId));
      expect(entry).toMatchObject({ threadRef: '<never-seen@elsewhere.example.com>', data: { threadRefs: ['<never-seen@elsewhere.example.com>', '<m1@mail.example.com>'] } });
    });

    it('with threadScope any, joins the conversation a ref names on another channel; without it, stays on its channel', async () => {
      const first = await ingest.ingest(mail('ann@example.com', { channel: 'email-sales', externalId: '<s1@mail.example.com>' }));
      clock.advance(2 * HOUR);
      // Another customer (a colleague answering from another address), so only the ref can join them.
      const scoped = await ingest.ingest(mail('bob@example.com', { channel: 'email-support', threadRefs: ['<s1@mail.example.com>'] }));
      expect(scoped.conversationId).not.toBe(first.conversationId);
      const anywhere = await ingest.ingest(mail('cy@example.com', { channel: 'email', threadScope: 'any', threadRefs: ['<unknown@x>', '<s1@mail.example.com>'] }));
      expect(anywhere.conversationId).toBe(first.conversationId);
      // Across batches and after a restart it is the store that answers: a new use case on the same store.
      const restarted = new IngestInbound(store, clock, { continuityWindowSeconds: HOUR, channelQueues: {} });
      const again = await restarted.ingest(mail('dee@example.com', { channel: 'email', threadScope: 'any', threadRefs: ['<s1@mail.example.com>'] }));
      expect(again.conversationId).toBe(first.conversationId);
    });

    it('opens a new conversation past the continuity window when no reference is known', async () => {
      const first = await ingest.ingest(mail('ann@example.com'));
      clock.advance(2 * HOUR);
      const later = await ingest.ingest(mail('ann@example.com', { threadRefs: ['<never-seen@elsewhere.example.com>'] }));
      expect(later.conversationId).not.toBe(first.conversationId);
    });

    it('follows a reference to another customer’s conversation (a colleague answering in the thread)', async () => {
      const first = await ingest.ingest(mail('ann@example.com', { externalId: '<m2@mail.example.com>' }));
      const colleague = await ingest.ingest(mail('bob@example.com', { threadRefs: ['<m2@mail.example.com>'] }));
      expect(colleague.conversationId).toBe(first.conversationId);
      // The entry is the conversation's (its customer's timeline); the sender stays its own customer.
      expect(colleague.customerId).toBe(first.customerId);
      expect(await store.read((s) => s.interactions.get(colleague.interactionId))).toMatchObject({ customerId: first.customerId, party: { kind: 'email', value: 'bob@example.com' } });
      const bob = await store.read((s) => s.identities.find({ kind: 'email', value: 'bob@example.com' }));
      expect(bob?.customerId).toBeDefined();
      expect(bob?.customerId).not.toBe(first.customerId);
    });

    it('follows a same-customer ref (a subject token) only to a conversation of the sender’s customer, and only when no thread ref matched', async () => {
      const first = await ingest.ingest(mail('ann@example.com', { externalId: '<t1@mail.example.com>' }));
      clock.advance(2 * HOUR);
      // Past the continuity window: only the token brings Ann back.
      const ann = await ingest.ingest(mail('ann@example.com', { threadScope: 'any', customerThreadRefs: ['<t1@mail.example.com>'] }));
      expect(ann.conversationId).toBe(first.conversationId);
      // A stranger with the same token does not get in: a conversation of their own.
      const mallory = await ingest.ingest(mail('mallory@example.net', { threadScope: 'any', customerThreadRefs: ['<t1@mail.example.com>'] }));
      expect(mallory.conversationId).not.toBe(first.conversationId);
      expect(mallory.customerId).not.toBe(first.customerId);
      // A real thread ref wins over the token.
      const other = await ingest.ingest(mail('ann@example.com', { externalId: '<t2@mail.example.com>' }));
      const both = await ingest.ingest(mail('ann@example.com', { threadScope: 'any', threadRefs: ['<t2@mail.example.com>'], customerThreadRefs: ['<t1@mail.example.com>'] }));
      expect(both.conversationId).toBe(other.conversationId);
      // A token is not stored as a thread ref of the entry.
      expect(await store.read((s) => s.interactions.get(ann.interactionId))).toMatchObject({ threadRef: null });
    });

    it('refuses too many same-customer refs with a clear error', async () => {
      const refs = Array.from({ length: 11 }, (_, i) => `<r${i}@x>`);
      await expect(ingest.ingest(mail('ann@example.com', { customerThreadRefs: refs }))).rejects.toMatchObject({ kind: 'invalid' });
    });

    it('ingests messages handed over together in shared transactions; an invalid one rejects alone', async () => {
      const sizes: number[] = [];
      const batched = new IngestInbound(store, clock, { continuityWindowSeconds: HOUR, channelQueues: {} }, (size) => sizes.push(size));
      const messages = Array.from({ length: 70 }, (_, i) => mail(`many-${i}@example.com`));
      const invalid = { ...mail('bad@example.com'), channel: 'Not A Channel' };
      const settled = await Promise.allSettled(batched.ingestMany([...messages.slice(0, 35), invalid, ...messages.slice(35)]));
      expect(settled.map((s) => s.status)).toEqual([...Array(35).fill('fulfilled'), 'rejected', ...Array(35).fill('fulfilled')]);
      expect(sizes).toEqual([64, 6]);
      const results = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      expect(new Set(results.map((r) => r.conversationId)).size).toBe(70);
    });

    it('records the same (channel, externalId) once', async () => {
      const message = mail('ann@example.com');
      const once = await ingest.ingest(message);
      const again = await ingest.ingest({ ...message, text: 'sent twice' });
      expect(again).toEqual({ ...once, duplicate: true });
      expect(await store.read((s) => s.interactions.listByConversation(once.conversationId))).toHaveLength(1);
    });
  });

  describe('channel hops', () => {
    it('marks each message that comes on another channel than the one before, and counts the hops', async () => {
      const onEmail = await ingest.ingest(mail('ann@example.com', { channel: 'email' }));
      const onChat = await ingest.ingest(mail('ann@example.com', { channel: 'webchat' }));
      const again = await ingest.ingest(mail('ann@example.com', { channel: 'webchat' }));
      const back = await ingest.ingest(mail('ann@example.com', { channel: 'email' }));
      expect(new Set([onChat, again, back].map((r) => r.conversationId))).toEqual(new Set([onEmail.conversationId]));
      const entries = await store.read((s) => s.interactions.listByConversation(onEmail.conversationId));
      expect(entries.map((e) => e.data['hop'] ?? null)).toEqual([null, { from: 'email', to: 'webchat' }, null, { from: 'webchat', to: 'email' }]);
      expect(await conversation(onEmail.conversationId)).toMatchObject({ channels: ['email', 'webchat'], hops: 2, handoffs: 0, lastInboundChannel: 'email' });
    });

    it('counts hops between messages of one batch too', async () => {
      const results = await Promise.all(['email', 'webchat', 'email'].map((channel) => ingest.ingest(mail('ann@example.com', { channel }))));
      expect(new Set(results.map((r) => r.conversationId)).size).toBe(1);
      expect(await conversation(results[0]!.conversationId)).toMatchObject({ channels: ['email', 'webchat'], hops: 2 });
    });
  });

  describe('further identities of the sender', () => {
    it('links an identity nobody holds to the sender’s customer, and leaves one another customer holds where it is (rule exact only)', async () => {
      ingest = new IngestInbound(store, clock, { continuityWindowSeconds: HOUR, channelQueues: {}, identity: { defaultRegion: null, rules: ['exact'] } });
      const bob = await ingest.ingest(mail('bob@example.com'));
      const visitor = `visitor-${uniqueToken()}`;
      const chat = await ingest.ingest(
        anInboundMessage({
          channel: 'webchat',
          externalId: `chat-${uniqueToken()}`,
          from: { kind: 'webchat', value: visitor },
          identities: [
            { kind: 'email', value: 'Free@Example.com' },
            { kind: 'email', value: 'bob@example.com' },
          ],
        }),
      );
      const owner = (kind: IdentityKind, value: string) => store.read(async (s) => (await s.identities.find({ kind, value }))?.customerId);
      expect(await owner('email', 'free@example.com')).toBe(chat.customerId);
      expect(await owner('email', 'bob@example.com')).toBe(bob.customerId);
      expect(chat.customerId).not.toBe(bob.customerId);
      const suggested = await store.read((s) => s.mergeSuggestions.list({ status: 'pending' }, { limit: 10 }));
      expect(suggested.items).toMatchObject([{ customerId: chat.customerId, otherCustomerId: bob.customerId, identity: { kind: 'email', value: 'bob@example.com' } }]);
      // and the linked address now finds the visitor's customer
      const byEmail = await ingest.ingest(mail('free@example.com'));
      expect(byEmail.customerId).toBe(chat.customerId);
    });

    it('refuses an invalid further identity, naming it, and records nothing', async () => {
      const message = mail('ann@example.com', { identities: [{ kind: 'email', value: 'not-an-email' }] });
      await expect(ingest.ingest(message)).rejects.toMatchObject({ kind: 'invalid', field: 'identities.0.value' });
      expect(await store.read((s) => s.receipts.find(message.channel, message.externalId))).toBeNull();
    });
  });

  describe("routing: 'record'", () => {
    it('records the message without a work item, leaves the conversation open, and a later routed message queues it', async () => {
      const recorded = await ingest.ingest(mail('ann@example.com', { routing: 'record' }));
      expect(await conversation(recorded.conversationId)).toMatchObject({ status: 'open', queueId: null });
      expect(await store.read((s) => s.workItems.get(recorded.conversationId))).toBeNull();
      expect(await undispatched()).toEqual([]);

      clock.advance(60);
      const routed = await ingest.ingest(mail('ann@example.com'));
      expect(routed.conversationId).toBe(recorded.conversationId);
      const queued = await conversation(recorded.conversationId);
      const defaultQueue = await store.read((s) => s.queues.getByName('default'));
      expect(queued).toMatchObject({ status: 'queued', queueId: defaultQueue?.id });
      expect(await store.read((s) => s.workItems.get(recorded.conversationId))).toMatchObject({ queueId: defaultQueue?.id, state: 'waiting' });
      expect(await undispatched()).toEqual([{ type: 'conversation.queued', conversationId: recorded.conversationId, queueId: defaultQueue?.id }]);
    });

    it('does not queue a conversation again that is already queued', async () => {
      const first = await ingest.ingest(mail('ann@example.com'));
      const second = await ingest.ingest(mail('ann@example.com'));
      expect(second.conversationId).toBe(first.conversationId);
      expect((await undispatched()).filter((e) => e.type === 'conversation.queued')).toHaveLength(1);
    });
  });

  it('ingests messages that arrive together in one batch, each with its own result', async () => {
    const sizes: number[] = [];
    const batched = new IngestInbound(store, clock, { continuityWindowSeconds: HOUR, channelQueues: {} }, (size) => sizes.push(size));
    const results = await Promise.all(['a', 'b', 'c'].map((n) => batched.ingest(mail(`${n}-${uniqueToken()}@example.com`))));
    expect(new Set(results.map((r) => r.customerId)).size).toBe(3);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(3);
    expect(sizes.length).toBeLessThan(3);
  });
});
