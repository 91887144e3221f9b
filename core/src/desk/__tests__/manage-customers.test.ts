import { beforeEach, describe, expect, it } from 'vitest';
import type { ChannelRegistry } from '../../delivery/ports/channel-registry.port.js';
import { CustomerQueries } from '../../identity/use-cases/customer-queries.js';
import { IngestInbound } from '../../inbound/use-cases/ingest-inbound.use-case.js';
import { verifyChain } from '../../ledger/hash-chain.js';
import { AnswerOffer } from '../../routing/use-cases/answer-offer.use-case.js';
import { ManageRouting } from '../../routing/use-cases/manage-routing.use-case.js';
import type { ResolutionRule } from '../../shared/settings.js';
import { InMemoryStore } from '../../testing/in-memory-store.js';
import { aClock, anInboundMessage, uniqueToken } from '../../testing/mothers.js';
import type { Actor } from '../ports/desk-commands.port.js';
import { DeskActions } from '../use-cases/desk-commands.use-case.js';
import { ManageCustomers } from '../use-cases/manage-customers.use-case.js';

const HOUR = 3600;
const operator: Actor = { kind: 'operator' };
const refused = (kind: string, code: string) => expect.objectContaining({ name: 'DomainError', kind, code });

describe('identity resolution, links and merges on the in-memory store', () => {
  let store: InMemoryStore;
  let clock: ReturnType<typeof aClock>;
  let customers: ManageCustomers;
  let queries: CustomerQueries;
  const ingestWith = (rules?: readonly ResolutionRule[]) =>
    new IngestInbound(store, clock, { continuityWindowSeconds: HOUR, channelQueues: {}, identity: { defaultRegion: 'GB', rules: rules ?? ['exact', 'shared-contact'] } });
  let ingest: IngestInbound;

  beforeEach(async () => {
    store = new InMemoryStore();
    clock = aClock();
    ingest = ingestWith();
    customers = new ManageCustomers(store, clock, { defaultRegion: 'GB' });
    queries = new CustomerQueries(store, { defaultRegion: 'GB' });
    await new ManageRouting(store, clock).ensureDefaultQueue();
  });

  const say = (channel: string, from: { kind: string; value: string }, extra: Parameters<typeof anInboundMessage>[0] = {}) =>
    ingest.ingest(anInboundMessage({ channel, from, externalId: `m-${uniqueToken()}`, ...extra }));
  const suggestions = () => store.read((s) => s.mergeSuggestions.list({}, { limit: 50 })).then((p) => p.items);

  describe('resolution rules', () => {
    it('shared-contact: a chat visitor giving a known email address is that customer, in the same conversation', async () => {
      const byMail = await say('email', { kind: 'email', value: 'Ann@Example.com' });
      clock.advance(60);
      const byChat = await say('webchat', { kind: 'webchat', value: 'visitor-1' }, { identities: [{ kind: 'email', value: 'ann@example.com' }] });
      expect(byChat).toMatchObject({ customerId: byMail.customerId, conversationId: byMail.conversationId });
      expect((await queries.customersByIdentity('webchat:visitor-1'))[0]?.id).toBe(byMail.customerId);
      expect(await suggestions()).toEqual([]);
    });

    it('without shared-contact the visitor is a new customer, and the named email becomes a merge suggestion', async () => {
      ingest = ingestWith(['exact']);
      const byMail = await say('email', { kind: 'email', value: 'ann@example.com' });
      const byChat = await say('webchat', { kind: 'webchat', value: 'visitor-2' }, { identities: [{ kind: 'email', value: 'ann@example.com' }] });
      expect(byChat.customerId).not.toBe(byMail.customerId);
      expect(await suggestions()).toMatchObject([
        { customerId: byChat.customerId, otherCustomerId: byMail.customerId, identity: { kind: 'email', value: 'ann@example.com' }, interactionId: byChat.interactionId, status: 'pending' },
      ]);
    });

    it('a known sender naming another customer’s identity never merges: one pending suggestion per pair', async () => {
      const ann = await say('email', { kind: 'email', value: 'ann@example.com' });
      const bob = await say('sms', { kind: 'phone', value: '07700 900123' });
      await say('email', { kind: 'email', value: 'ann@example.com' }, { identities: [{ kind: 'phone', value: '+44 7700 900123' }] });
      await say('email', { kind: 'email', value: 'ann@example.com' }, { identities: [{ kind: 'phone', value: '07700900123' }] });
      expect((await queries.customersByIdentity('phone:07700 900123'))[0]?.id).toBe(bob.customerId);
      const [suggestion, ...more] = await suggestions();
      expect(more).toEqual([]);
      expect(suggestion).toMatchObject({ customerId: ann.customerId, otherCustomerId: bob.customerId, identity: { kind: 'phone', value: '+447700900123' } });
      await customers.dismissSuggestion(operator, suggestion!.id);
      await expect(customers.dismissSuggestion(operator, suggestion!.id)).rejects.toEqual(refused('conflict', 'MERGE_SUGGESTION.DECIDED'));
      expect((await queries.customer(bob.customerId)).mergedInto).toBeNull();
    });
  });

  describe('explicit links', () => {
    it('links an identity (normalised, verified), refuses one another customer holds, unlinks', async () => {
      const ann = await say('email', { kind: 'email', value: 'ann@example.com' });
      const bob = await say('email', { kind: 'email', value: 'bob@example.com' });
      const linked = await customers.link(operator, ann.customerId, { kind: 'phone', value: '01632 960961' });
      expect(linked.identities).toContainEqual(expect.objectContaining({ kind: 'phone', value: '+441632960961', verified: true }));
      // Linking again is a no-op; her next SMS is hers.
      await customers.link(operator, ann.customerId, { kind: 'phone', value: '+441632960961' });
      expect((await say('sms', { kind: 'phone', value: '+441632960961' })).customerId).toBe(ann.customerId);
      await expect(customers.link(operator, bob.customerId, { kind: 'phone', value: '+441632960961' })).rejects.toEqual(refused('conflict', 'IDENTITY.TAKEN'));
      await expect(customers.link(operator, ann.customerId, { kind: 'phone', value: '12' })).rejects.toEqual(refused('invalid', 'IDENTITY.INVALID_PHONE'));
      await expect(customers.unlink(operator, bob.customerId, { kind: 'phone', value: '+441632960961' })).rejects.toEqual(refused('not_found', 'IDENTITY.NOT_LINKED'));
      const unlinked = await customers.unlink(operator, ann.customerId, { kind: 'phone', value: '01632 960961' });
      expect(unlinked.identities.map((i) => i.kind)).toEqual(['email']);
      expect(await queries.customersByIdentity('phone:+441632960961')).toEqual([]);
    });
  });

  describe('merge and unmerge', () => {
    it('moves identities, conversations and attributes (survivor wins unless told), records merge entries, and unmerges exactly that', async () => {
      const ann = await say('email', { kind: 'email', value: 'ann@example.com' });
      const other = await say('sms', { kind: 'phone', value: '+441632960961' });
      await store.transaction(async (s) => {
        const [a, o] = await s.customers.getMany([ann.customerId, other.customerId]).then((cs) => [ann, other].map((r) => cs.find((c) => c.id === r.customerId)!));
        await s.customers.update({ ...a!, attributes: { tier: 'gold' } });
        await s.customers.update({ ...o!, attributes: { tier: 'silver', city: 'Leeds' } });
      });
      const preview = await customers.merge(operator, ann.customerId, other.customerId, { dryRun: true, attributes: { keys: { tier: 'merged' } } });
      expect(preview).toMatchObject({ dryRun: true, mergeId: null, survivor: { attributes: { tier: 'silver', city: 'Leeds' } }, moved: { conversations: [other.conversationId] } });
      expect((await queries.customer(other.customerId)).mergedInto).toBeNull();

      const merged = await customers.merge(operator, ann.customerId, other.customerId);
      expect(merged.survivor.attributes).toEqual({ tier: 'gold', city: 'Leeds' });
      expect(merged.survivor.identities.map((i) => i.kind).sort()).toEqual(['email', 'phone']);
      expect((await queries.customer(other.customerId)).mergedInto).toBe(ann.customerId);
      expect((await queries.customersByIdentity('phone:+441632960961'))[0]?.id).toBe(ann.customerId);
      const chain = await store.read((s) => s.interactions.listByConversation(other.conversationId));
      expect(chain.map((e) => e.type)).toEqual(['message', 'merge']);
      expect(chain[1]).toMatchObject({ customerId: ann.customerId, data: { mergeId: merged.mergeId, action: 'merge', from: other.customerId, to: ann.customerId } });
      expect(verifyChain(chain).ok).toBe(true);
      await expect(customers.merge(operator, ann.customerId, other.customerId)).rejects.toEqual(refused('conflict', 'CUSTOMER.MERGED'));

      // In between: a new identity on the survivor, a new conversation from the moved phone.
      await customers.link(operator, ann.customerId, { kind: 'webchat', value: 'visitor-9' });
      clock.advance(2 * HOUR);
      const later = await say('sms', { kind: 'phone', value: '+441632960961' });
      expect(later.customerId).toBe(ann.customerId);

      const undone = await customers.unmerge(operator, ann.customerId, other.customerId);
      expect(undone.moved).toEqual({ identities: [{ kind: 'phone', value: '+441632960961' }], conversations: [other.conversationId] });
      expect(undone.survivor.attributes).toEqual({ tier: 'gold' });
      expect(undone.survivor.identities.map((i) => i.kind).sort()).toEqual(['email', 'webchat']);
      expect(undone.restored).toMatchObject({ mergedInto: null, attributes: { tier: 'silver', city: 'Leeds' } });
      expect((await store.read((s) => s.conversations.get(other.conversationId)))?.customerId).toBe(other.customerId);
      // Added since: stays with the survivor.
      expect((await store.read((s) => s.conversations.get(later.conversationId)))?.customerId).toBe(ann.customerId);
      await expect(customers.unmerge(operator, ann.customerId, other.customerId)).rejects.toEqual(refused('not_found', 'MERGE.NOT_FOUND'));
      expect(verifyChain(await store.read((s) => s.interactions.listByConversation(other.conversationId))).ok).toBe(true);
    });

    it('accepting a suggestion merges the other customer into the one whose message named it', async () => {
      const ann = await say('email', { kind: 'email', value: 'ann@example.com' });
      const bob = await say('sms', { kind: 'phone', value: '+447700900123' });
      await say('email', { kind: 'email', value: 'ann@example.com' }, { identities: [{ kind: 'phone', value: '+447700900123' }] });
      const [suggestion] = await suggestions();
      const { merge, suggestion: decided } = await customers.acceptSuggestion(operator, suggestion!.id);
      expect(decided.status).toBe('accepted');
      expect(merge).toMatchObject({ survivor: { id: ann.customerId }, merged: { id: bob.customerId, mergedInto: ann.customerId } });
      await expect(customers.acceptSuggestion(operator, suggestion!.id)).rejects.toEqual(refused('conflict', 'MERGE_SUGGESTION.DECIDED'));
    });

    it('after a merge, a reply still goes to the identity and channel the conversation came from', async () => {
      const registry: ChannelRegistry = { find: (name) => ({ channel: name, send: async () => ({}) }) };
      const routing = new ManageRouting(store, clock);
      const settings = { continuityWindowSeconds: HOUR, channelQueues: {}, setAwayOnOfferExpiry: true };
      const desk = new DeskActions(store, clock, new AnswerOffer(store, clock, settings), routing, queries, registry);
      const ann = await say('email', { kind: 'email', value: 'ann@example.com' });
      const other = await say('sms', { kind: 'phone', value: '+441632960961' });
      await customers.merge(operator, ann.customerId, other.customerId);
      const agent = await routing.createAgent({ name: 'Ada' });
      const reply = await desk.reply(operator, other.conversationId, { agentId: agent.id, text: 'On its way' });
      expect(reply).toMatchObject({ channel: 'sms', customerId: ann.customerId, party: { kind: 'phone', value: '+441632960961' } });
    });
  });
});
