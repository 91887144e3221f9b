import type { Customer, Identity } from '../../identity/customer.entity.js';
import { identityOf, type IdentityKey } from '../../identity/identity.value-object.js';
import { costFor, type Queue } from '../../routing/queue.entity.js';
import type { WorkItem } from '../../routing/work-item.entity.js';
import { prefetchQueues, resolveQueue, type PrefetchedQueues } from '../../routing/use-cases/resolve-queue.js';
import { invalid } from '../../shared/domain-error.js';
import { INBOUND_LIMITS } from '../../shared/inbound-limits.js';
import type { DomainEvent } from '../../shared/events.js';
import { newId } from '../../shared/ids.js';
import type { Clock } from '../../shared/ports/clock.port.js';
import type { Store, StoreSession } from '../../shared/ports/store.port.js';
import type { CoreSettings } from '../../shared/settings.js';
import { isOpenStatus, type Conversation } from '../conversation.entity.js';
import type { IngestPort, IngestResult, InboundMessage } from '../inbound-message.js';
import type { Interaction } from '../interaction.entity.js';
import { buildEntry, lockKeys } from '../ledger-writer.js';

const CHANNEL = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const DEFAULT_MAX_BATCH = 64;
/** Batches in flight at once: two overlap one batch's database round trips with the next one's. */
const MAX_IN_FLIGHT = 2;
/**
 * Messages that must be waiting before a second batch starts beside a running one. Below it they
 * wait for the running batch and travel together: fewer, larger transactions cost less per
 * message (on the benchmark, 16 gave ~10% more messages per second than starting at once).
 */
const SECOND_BATCH_MIN = 16;

const checkMessage = (message: InboundMessage): IdentityKey => {
  if (!CHANNEL.test(message.channel)) {
    throw invalid('INBOUND.INVALID_CHANNEL', 'channel is 1 to 64 of [a-z0-9._-], starting with a letter or digit', 'channel');
  }
  if (message.externalId.length === 0 || message.externalId.length > INBOUND_LIMITS.externalId) {
    throw invalid('INBOUND.INVALID_EXTERNAL_ID', 'externalId must be 1 to 512 characters', 'externalId');
  }
  if (message.text.trim().length === 0 && (message.attachments ?? []).length === 0) {
    throw invalid('INBOUND.EMPTY', 'a message needs text or an attachment', 'text');
  }
  // PostgreSQL text cannot hold NUL: refuse it here, with the field named, rather than fail the batch.
  for (const field of ['externalId', 'threadRef', 'subject', 'text', 'html'] as const) {
    if (message[field]?.includes('\u0000')) throw invalid('INBOUND.NUL_CHARACTER', `${field} contains a NUL character`, field);
  }
  return identityOf(message.from.kind, message.from.value, 'from.value');
};

interface Pending {
  message: InboundMessage;
  from: IdentityKey;
  resolve(result: IngestResult): void;
  reject(error: unknown): void;
}

const receiptKey = (m: Pick<InboundMessage, 'channel' | 'externalId'>) => `${m.channel}\u0000${m.externalId}`;
const identityKey = (k: IdentityKey) => `${k.kind}:${k.value}`;
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Records inbound messages: dedupe, identity, conversation, ledger entry, work item and outbox
 * events, in one transaction. Resolves only after commit, so a channel may acknowledge its source
 * when this returns.
 *
 * Messages that arrive while a transaction is in flight are ingested together in the next one
 * (group commit): one set of statements per batch instead of per message, and no added latency
 * when idle, since a lone message is a batch of one. If a batch fails, each of its messages is
 * retried alone, so one bad message never fails the others.
 */
export class IngestInbound implements IngestPort {
  private readonly pending: Pending[] = [];
  private inFlight = 0;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly settings: Pick<CoreSettings, 'continuityWindowSeconds' | 'channelQueues'>,
    private readonly observeBatch: (size: number) => void = () => {},
    private readonly maxBatch = DEFAULT_MAX_BATCH,
  ) {}

  ingest(message: InboundMessage): Promise<IngestResult> {
    return new Promise<IngestResult>((resolve, reject) => {
      this.pending.push({ message, from: checkMessage(message), resolve, reject });
      this.flush();
    });
  }

  private flush(): void {
    if (this.inFlight >= MAX_IN_FLIGHT || this.pending.length === 0) return;
    // A second transaction pays round trips of its own: start one only when enough messages wait.
    if (this.inFlight > 0 && this.pending.length < SECOND_BATCH_MIN) return;
    this.inFlight += 1;
    const batch = this.pending.splice(0, this.maxBatch);
    void this.run(batch).finally(() => {
      this.inFlight -= 1;
      this.flush();
    });
  }

  private async run(batch: Pending[]): Promise<void> {
    try {
      const results = await this.store.transaction((session) => this.ingestBatch(session, batch));
      this.observeBatch(batch.length);
      batch.forEach((p, i) => p.resolve(results[i]!));
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      for (const p of batch) {
        try {
          const [result] = await this.store.transaction((session) => this.ingestBatch(session, [p]));
          p.resolve(result!);
        } catch (single) {
          p.reject(single);
        }
      }
    }
  }

  private async ingestBatch(session: StoreSession, batch: readonly Pick<Pending, 'message' | 'from'>[]): Promise<IngestResult[]> {
    const now = this.clock.now();
    const results: (IngestResult | undefined)[] = batch.map(() => undefined);

    // 1. Dedupe: within the batch by key, across time by claiming receipts in the database.
    const firstOfKey = new Map<string, number>();
    batch.forEach((p, i) => {
      if (!firstOfKey.has(receiptKey(p.message))) firstOfKey.set(receiptKey(p.message), i);
    });
    const interactionIdOf = new Map([...firstOfKey.keys()].map((key) => [key, newId()]));
    const receipts = [...firstOfKey.entries()]
      .sort(([a], [b]) => byText(a, b))
      .map(([key, i]) => ({ channel: batch[i]!.message.channel, externalId: batch[i]!.message.externalId, interactionId: interactionIdOf.get(key)!, receivedAt: now }));
    // Lock order for every ingest: the senders' identities (sorted), then the receipt rows (sorted).
    // Identities are locked and read for every message, duplicates included, so that claiming the
    // receipts, reading the identities and the queues all travel in one round trip.
    const senders = [...new Map(batch.map((p) => [identityKey(p.from), p.from])).values()];
    await session.lockAll(senders.map((k) => lockKeys.identity(k.kind, k.value)));
    const [claimedKeys, identities, queues] = await Promise.all([
      session.receipts.claimMany(receipts),
      session.identities.findMany(senders),
      prefetchQueues(session, this.settings.channelQueues, [...new Set(batch.map((p) => p.message.channel))]),
    ]);
    const claimed = new Set(claimedKeys.map(receiptKey));
    const seen = receipts.filter((r) => !claimed.has(receiptKey(r)));
    if (seen.length > 0) {
      const earlier = await session.receipts.findMany(seen);
      const interactions = new Map((await session.interactions.getMany(earlier.map((r) => r.interactionId))).map((i) => [i.id, i]));
      for (const receipt of earlier) {
        const interaction = interactions.get(receipt.interactionId);
        if (!interaction) throw new Error(`receipt ${receipt.channel}/${receipt.externalId} names a missing interaction`);
        results[firstOfKey.get(receiptKey(receipt))!] = {
          interactionId: interaction.id,
          customerId: interaction.customerId,
          conversationId: interaction.conversationId,
          duplicate: true,
        };
      }
    }
    const fresh = [...firstOfKey.entries()].filter(([key]) => claimed.has(key)).map(([, i]) => i).sort((a, b) => a - b);

    if (fresh.length > 0) {
      const { customerOf, created } = await this.customersFor(session, fresh.map((i) => batch[i]!), identities, now);
      const items = fresh.map((i) => ({
        ...batch[i]!,
        customer: customerOf.get(identityKey(batch[i]!.from))!,
        interactionId: interactionIdOf.get(receiptKey(batch[i]!.message))!,
      }));
      const written = await this.record(session, items, created, queues, now);
      fresh.forEach((i, n) => {
        results[i] = written[n];
      });
    }

    // Later copies of a key within the batch answer as duplicates of the first.
    return batch.map((p, i) => {
      const first = results[firstOfKey.get(receiptKey(p.message))!]!;
      return i === firstOfKey.get(receiptKey(p.message)) ? first : { ...first, duplicate: true };
    });
  }

  /** Finds or creates the customer of every sender; the caller holds the identity locks and read the identities under them. */
  private async customersFor(
    session: StoreSession,
    items: readonly Pick<Pending, 'message' | 'from'>[],
    identities: readonly Identity[],
    now: Date,
  ): Promise<{ customerOf: Map<string, Customer>; created: Set<string> }> {
    const keys = [...new Map(items.map((p) => [identityKey(p.from), p.from])).values()];
    const wanted = new Set(keys.map(identityKey));
    const ownerOf = new Map(identities.filter((i) => wanted.has(identityKey(i))).map((i) => [identityKey(i), i.customerId]));
    const owners = [...new Set(ownerOf.values())];
    const customers = new Map((owners.length > 0 ? await session.customers.getMany(owners) : []).map((c) => [c.id, c]));
    // A merged customer's identities move to the survivor; follow the pointer if one lingers.
    for (const [key, id] of ownerOf) {
      let customer = customers.get(id);
      while (customer?.mergedInto) customer = (await session.customers.getMany([customer.mergedInto]))[0];
      if (customer) customers.set(customer.id, customer);
      if (customer) ownerOf.set(key, customer.id);
      else ownerOf.delete(key);
    }
    await session.lockAll([...new Set(ownerOf.values())].map(lockKeys.customer));

    const nameOf = new Map(items.map((p) => [identityKey(p.from), p.message.from.name]));
    const result = new Map<string, Customer>();
    const newCustomers: Customer[] = [];
    const newIdentities: Identity[] = [];
    for (const key of keys) {
      const name = nameOf.get(identityKey(key));
      const existing = ownerOf.get(identityKey(key));
      if (existing) {
        let customer = customers.get(existing)!;
        if (!customer.displayName && name) {
          customer = { ...customer, displayName: name, updatedAt: now };
          customers.set(customer.id, customer);
          await session.customers.update(customer);
        }
        result.set(identityKey(key), customer);
        continue;
      }
      const customer: Customer = { id: newId(), displayName: name ?? null, attributes: {}, mergedInto: null, createdAt: now, updatedAt: now };
      newCustomers.push(customer);
      newIdentities.push({ ...key, customerId: customer.id, verified: false, createdAt: now });
      result.set(identityKey(key), customer);
    }
    if (newCustomers.length > 0) {
      await session.customers.insertMany(newCustomers);
      await session.identities.insertMany(newIdentities);
    }
    return { customerOf: result, created: new Set(newCustomers.map((c) => c.id)) };
  }

  /** Joins or opens conversations, appends the entries, queues what needs an agent. */
  private async record(
    session: StoreSession,
    items: readonly (Pick<Pending, 'message' | 'from'> & { customer: Customer; interactionId: string })[],
    newCustomers: ReadonlySet<string>,
    queues: PrefetchedQueues,
    now: Date,
  ): Promise<IngestResult[]> {
    const refs = items.filter((p) => p.message.threadRef).map((p) => ({ channel: p.message.channel, ref: p.message.threadRef! }));
    const since = new Date(now.getTime() - this.settings.continuityWindowSeconds * 1000);
    // A customer created in this batch has no conversation yet.
    const knownCustomers = [...new Set(items.map((p) => p.customer.id))].filter((id) => !newCustomers.has(id));
    const [referenced, open] = await Promise.all([
      refs.length > 0 ? session.interactions.findConversationsByRefs(refs) : [],
      knownCustomers.length > 0 ? session.conversations.findOpenMany(knownCustomers, since) : [],
    ]);
    const byRef = new Map(referenced.map((r) => [`${r.channel}\u0000${r.ref}`, r.conversationId]));

    // Lock the conversations found, then read them again: their state is only stable under the lock.
    const candidates = [...new Set([...byRef.values(), ...open.map((c) => c.id)])];
    let locked = new Map<string, Conversation>();
    let heads = new Map<string, Pick<Interaction, 'seq' | 'digest'>>();
    if (candidates.length > 0) {
      await session.lockAll(candidates.map(lockKeys.conversation));
      const [conversations, last] = await Promise.all([session.conversations.getMany(candidates), session.interactions.lastMany(candidates)]);
      locked = new Map(conversations.map((c) => [c.id, c]));
      heads = new Map(last.map((i) => [i.conversationId, i]));
    }
    const openOf = new Map(open.map((c) => [c.customerId, c.id]));

    const touched = new Map<string, { conversation: Conversation; isNew: boolean; queued: boolean; wasOpen: boolean }>();
    const interactions: Interaction[] = [];
    const events: DomainEvent[] = [];
    const results: IngestResult[] = [];
    for (const item of items) {
      const { message, from, customer } = item;
      const refKey = (ref: string) => `${message.channel}\u0000${ref}`;
      const referenced = message.threadRef ? byRef.get(refKey(message.threadRef)) : undefined;
      const joinId = [referenced, openOf.get(customer.id)].find((id) => id !== undefined && (touched.has(id) || (locked.get(id)?.status ?? 'closed') !== 'closed'));
      let state = joinId ? touched.get(joinId) : undefined;
      if (!state) {
        const existing = joinId ? locked.get(joinId) : undefined;
        state = existing
          ? { conversation: { ...existing }, isNew: false, queued: false, wasOpen: isOpenStatus(existing.status) }
          : { conversation: this.newConversation(customer.id, now), isNew: true, queued: false, wasOpen: false };
        touched.set(state.conversation.id, state);
      }
      const conversation = state.conversation;
      // Later messages of this customer in the batch join the same conversation.
      if (!referenced || conversation.customerId === customer.id) openOf.set(customer.id, conversation.id);

      const interaction = buildEntry(
        conversation,
        {
          channel: message.channel,
          direction: 'inbound',
          type: 'message',
          externalId: message.externalId,
          threadRef: message.threadRef ?? null,
          subject: message.subject ?? null,
          text: message.text,
          html: message.html ?? null,
          attachments: message.attachments ?? [],
          party: { kind: from.kind, value: from.value, ...(message.from.name ? { name: message.from.name } : {}) },
          sourcePlugin: message.sourcePlugin ?? null,
          occurredAt: message.occurredAt ?? now,
        },
        heads.get(conversation.id) ?? null,
        now,
        item.interactionId,
      );
      heads.set(conversation.id, interaction);
      // Later messages of the batch may reference this one, which the database cannot know of yet.
      byRef.set(refKey(message.externalId), conversation.id);
      if (message.threadRef && !byRef.has(refKey(message.threadRef))) byRef.set(refKey(message.threadRef), conversation.id);
      interactions.push(interaction);
      if (!conversation.channels.includes(message.channel)) conversation.channels = [...conversation.channels, message.channel];
      conversation.lastInboundChannel = message.channel;
      conversation.lastInboundAt = now;
      conversation.updatedAt = now;
      if (!state.wasOpen && !state.queued) {
        state.queued = true;
      } else if (conversation.status === 'waiting') {
        // The customer answered: the ball is back with the assigned agent.
        conversation.status = 'assigned';
      }
      results.push({ interactionId: interaction.id, customerId: conversation.customerId, conversationId: conversation.id, duplicate: false });
    }

    const resolved = new Map<string, Queue>();
    const workItems: WorkItem[] = [];
    for (const state of touched.values()) {
      if (!state.queued) continue;
      const { conversation } = state;
      const channel = conversation.lastInboundChannel ?? 'system';
      const cacheKey = `${conversation.queueId ?? ''}\u0000${channel}`;
      const queue = resolved.get(cacheKey) ?? (await resolveQueue(session, this.settings.channelQueues, channel, conversation.queueId, queues));
      resolved.set(cacheKey, queue);
      conversation.status = 'queued';
      conversation.queueId = queue.id;
      conversation.resolvedAt = null;
      workItems.push({
        conversationId: conversation.id, queueId: queue.id, priority: conversation.priority, channel, skills: queue.skills, cost: costFor(queue, channel),
        state: 'waiting', enqueuedAt: now, excludedAgents: [], reasons: [], updatedAt: now,
      });
      events.push({ type: 'conversation.queued', conversationId: conversation.id, queueId: queue.id });
    }

    await session.interactions.insertMany(interactions);
    const created = [...touched.values()].filter((s) => s.isNew).map((s) => s.conversation);
    if (created.length > 0) await session.conversations.insertMany(created);
    for (const state of touched.values()) if (!state.isNew) await session.conversations.update(state.conversation);
    if (workItems.length > 0) await session.workItems.insertMany(workItems);
    await session.outbox.add(events);
    return results;
  }

  private newConversation(customerId: string, now: Date): Conversation {
    return {
      id: newId(),
      customerId,
      status: 'open',
      queueId: null,
      priority: 0,
      channels: [],
      hops: 0,
      assignment: null,
      lastInboundChannel: null,
      lastInboundAt: null,
      firstResponseAt: null,
      resolvedAt: null,
      createdAt: now,
      updatedAt: now,
    };
  }
}
