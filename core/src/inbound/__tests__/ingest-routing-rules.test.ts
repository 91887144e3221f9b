import { beforeEach, describe, expect, it } from 'vitest';
import { ManageRouting } from '../../routing/use-cases/manage-routing.use-case.js';
import { ManageRoutingRules } from '../../routing/use-cases/manage-routing-rules.use-case.js';
import { InMemoryStore } from '../../testing/in-memory-store.js';
import { aClock, aCustomer, anIdentity, anInboundMessage, uniqueToken } from '../../testing/mothers.js';
import { IngestInbound } from '../use-cases/ingest-inbound.use-case.js';

describe('routing rules at ingest (in-memory store)', () => {
  let store: InMemoryStore;
  let clock: ReturnType<typeof aClock>;
  let ingest: IngestInbound;
  let rules: ManageRoutingRules;
  let routing: ManageRouting;

  beforeEach(async () => {
    store = new InMemoryStore();
    clock = aClock();
    ingest = new IngestInbound(store, clock, { continuityWindowSeconds: 3600, channelQueues: { webchat: 'chat' } });
    routing = new ManageRouting(store, clock);
    rules = new ManageRoutingRules(store, clock);
    await routing.ensureDefaultQueue();
  });

  const send = (from: string, extra: Parameters<typeof anInboundMessage>[0] = {}) =>
    ingest.ingest(anInboundMessage({ from: { kind: 'email', value: from }, externalId: uniqueToken(), ...extra }));
  const itemOf = (conversationId: string) => store.read((s) => s.workItems.get(conversationId));
  const queueName = async (conversationId: string) => {
    const item = await itemOf(conversationId);
    return item ? (await store.read((s) => s.queues.get(item.queueId)))?.name : undefined;
  };

  it("applies the first matching rule's queue, priority and skills, and records which rule matched", async () => {
    const billing = await routing.createQueue({ name: 'billing', skills: { billing: 2 } });
    const gold = await rules.create({ name: 'Gold customers', match: { attributes: { tier: 'gold' } }, actions: { queue: 'billing', priority: 1, skills: { vip: 3, spanish: { level: 2, optional: true } } } });
    await rules.create({ name: 'Invoices', match: { keywords: ['invoice'] }, actions: { queue: billing.id } });
    const customer = aCustomer({ attributes: { tier: 'gold' } });
    await store.transaction(async (s) => {
      await s.customers.insert(customer);
      await s.identities.insertMany([anIdentity({ customerId: customer.id, kind: 'email', value: 'gold@example.com' })]);
    });

    const vip = await send('gold@example.com', { text: 'about my invoice' });
    expect(await itemOf(vip.conversationId)).toMatchObject({ queueId: billing.id, priority: 1, skills: { billing: 2, vip: 3 }, optionalSkills: { spanish: 2 } });
    expect((await store.read((s) => s.conversations.get(vip.conversationId)))?.priority).toBe(1);
    const decisions = await store.read((s) => s.decisions.listByConversation(vip.conversationId));
    expect(decisions).toEqual([expect.objectContaining({ outcome: 'queued', rule: `routing-rule:${gold.id}`, queueId: billing.id })]);
    expect(decisions[0]?.detail).toContain("routing rule 'Gold customers' (#1) matched");

    // Not gold: the second rule, with its queue and the default priority.
    const plain = await send('plain@example.com', { text: 'my INVOICE is wrong' });
    expect(await itemOf(plain.conversationId)).toMatchObject({ queueId: billing.id, priority: 0, skills: { billing: 2 }, optionalSkills: {} });
  });

  it("without a match: the channel's default queue, else `default`; a rule without a queue keeps that choice", async () => {
    await routing.createQueue({ name: 'chat' });
    await rules.create({ name: 'Urgent', match: { keywords: ['urgent'] }, actions: { priority: 5 } });
    expect(await queueName((await send('a@example.com', { channel: 'webchat', text: 'hello' })).conversationId)).toBe('chat');
    expect(await queueName((await send('b@example.com', { channel: 'email', text: 'hello' })).conversationId)).toBe('default');
    const urgent = await send('c@example.com', { channel: 'webchat', text: 'URGENT: down' });
    expect(await queueName(urgent.conversationId)).toBe('chat');
    expect((await itemOf(urgent.conversationId))?.priority).toBe(5);
  });

  it('a disabled rule is skipped; a change is seen by the next message (the cache follows the version)', async () => {
    await routing.createQueue({ name: 'sales' });
    const r = await rules.create({ name: 'Sales', match: { keywords: ['pricing'] }, actions: { queue: 'sales' } });
    expect(await queueName((await send('d@example.com', { text: 'pricing?' })).conversationId)).toBe('sales');
    await rules.update(r.id, { enabled: false });
    expect(await queueName((await send('e@example.com', { text: 'pricing?' })).conversationId)).toBe('default');
    await rules.update(r.id, { enabled: true, match: { keywords: ['quote'] } });
    expect(await queueName((await send('f@example.com', { text: 'pricing?' })).conversationId)).toBe('default');
    expect(await queueName((await send('g@example.com', { text: 'a quote please' })).conversationId)).toBe('sales');
    await rules.delete(r.id);
    expect(await queueName((await send('h@example.com', { text: 'a quote please' })).conversationId)).toBe('default');
  });

  it('a change made through another process is seen by the next message here: each cache follows the stored version', async () => {
    // Two hub nodes: each has its own ingest (and compiled rules); the rules are changed on neither.
    const other = new IngestInbound(store, clock, { continuityWindowSeconds: 3600, channelQueues: {} });
    await routing.createQueue({ name: 'returns' });
    const sendOn = (node: IngestInbound, from: string, text: string) => node.ingest(anInboundMessage({ from: { kind: 'email', value: from }, externalId: uniqueToken(), text }));
    // Both caches are warm, with no rule.
    expect(await queueName((await sendOn(ingest, 'j@example.com', 'return this')).conversationId)).toBe('default');
    expect(await queueName((await sendOn(other, 'k@example.com', 'return this')).conversationId)).toBe('default');
    const r = await rules.create({ name: 'Returns', match: { keywords: ['return'] }, actions: { queue: 'returns' } });
    expect(await queueName((await sendOn(ingest, 'l@example.com', 'return this')).conversationId)).toBe('returns');
    expect(await queueName((await sendOn(other, 'm@example.com', 'return this')).conversationId)).toBe('returns');
    await rules.update(r.id, { enabled: false });
    expect(await queueName((await sendOn(other, 'n@example.com', 'return this')).conversationId)).toBe('default');
    expect(await queueName((await sendOn(ingest, 'o@example.com', 'return this')).conversationId)).toBe('default');
  });

  it('a queue created, changed or deleted anywhere is seen by the next message (queues are cached under the same version)', async () => {
    // No `chat` queue yet: webchat goes to `default`, and the cache knows `chat` is missing.
    expect(await queueName((await send('p@example.com', { channel: 'webchat' })).conversationId)).toBe('default');
    const chat = await routing.createQueue({ name: 'chat', skills: { chat: 1 } });
    const first = await send('q@example.com', { channel: 'webchat' });
    expect(await itemOf(first.conversationId)).toMatchObject({ queueId: chat.id, skills: { chat: 1 } });
    // Changed on another node (straight in the store): the new skills apply to the next item.
    await store.transaction((s) => s.queues.update({ ...chat, skills: { chat: 3 } }));
    expect(await itemOf((await send('r@example.com', { channel: 'webchat' })).conversationId)).toMatchObject({ queueId: chat.id, skills: { chat: 3 } });
    // A rule's queue changed: the rule's items get the queue as it is now.
    await routing.createQueue({ name: 'sales', cost: 10 });
    const sales = (await store.read((s) => s.queues.getByName('sales')))!;
    await rules.create({ name: 'Sales', match: { keywords: ['pricing'] }, actions: { queue: 'sales' } });
    expect(await itemOf((await send('s@example.com', { text: 'pricing?' })).conversationId)).toMatchObject({ queueId: sales.id, cost: 10 });
    await routing.updateQueue(sales.id, { cost: 25 });
    expect(await itemOf((await send('t@example.com', { text: 'pricing?' })).conversationId)).toMatchObject({ queueId: sales.id, cost: 25 });
    // Deleted: webchat falls back to `default` again.
    await store.transaction((s) => s.queues.delete(chat.id));
    expect(await queueName((await send('u@example.com', { channel: 'webchat' })).conversationId)).toBe('default');
  });

  it('matches on identity kind and channel', async () => {
    await routing.createQueue({ name: 'phones' });
    await rules.create({ name: 'Phones on sms', match: { identityKinds: ['phone'], channels: ['sms'] }, actions: { queue: 'phones' } });
    const sms = await ingest.ingest(anInboundMessage({ channel: 'sms', from: { kind: 'phone', value: '+441632960961' }, externalId: uniqueToken(), subject: undefined, text: 'hi' }));
    expect(await queueName(sms.conversationId)).toBe('phones');
    expect(await queueName((await send('i@example.com', { channel: 'sms' })).conversationId)).toBe('default');
  });
});

