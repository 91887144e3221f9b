import { identityOf, type IdentityKey, type NormaliseOptions } from '../../identity/identity.value-object.js';
import { identityKeyOf, identityKeysOf, resolveCustomers, type Sender } from '../../identity/use-cases/resolve-customers.use-case.js';
import { conversationLifecycle, hopOf, isOpenStatus, type Conversation } from '../../ledger/conversation.entity.js';
import type { Interaction } from '../../ledger/interaction.entity.js';
import { buildEntry } from '../../ledger/ledger-writer.js';
import { enqueueConversations } from '../../routing/use-cases/enqueue-conversation.js';
import { queueNamesFor, type PrefetchedQueues } from '../../routing/use-cases/resolve-queue.js';
import { RoutingConfigCache } from '../../routing/routing-config-cache.js';
import type { RuleSet } from '../../routing/rule-matcher.js';
import type { RoutingRule } from '../../routing/routing-rule.entity.js';
import type { Queue } from '../../routing/queue.entity.js';
import type { DomainEvent } from '../../shared/events.js';
import { GroupCommit } from '../../shared/group-commit.js';
import { INBOUND_LIMITS } from '../../shared/inbound-limits.js';
import { newId } from '../../shared/ids.js';
import { lockKeys } from '../../shared/lock-keys.js';
import type { Clock } from '../../shared/ports/clock.port.js';
import type { CoreSettings } from '../../shared/settings.js';
import type { Store, StoreSession } from '../../store/store.port.js';
import { inboundErrors } from '../inbound.errors.js';
import type { IngestPort, IngestResult, InboundMessage } from '../ports/ingest.port.js';

const CHANNEL = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const MAX_EXTERNAL_ID = INBOUND_LIMITS.externalId;
const MAX_THREAD_REF = INBOUND_LIMITS.threadRef;
const MAX_THREAD_REFS = INBOUND_LIMITS.threadRefs;

interface Checked {
  message: InboundMessage;
  sender: Sender;
  refs: readonly string[];
  /** Refs that count only for a conversation of the sender's customer. */
  customerRefs: readonly string[];
}

const refuseNul = (value: string | undefined, field: string) => {
  // PostgreSQL text cannot hold NUL: refuse it here, with the field named, rather than fail the batch.
  if (value?.includes('\u0000')) throw inboundErrors.nulCharacter(field);
};

const checkMessage = (message: InboundMessage, normalise: NormaliseOptions): Checked => {
  if (!CHANNEL.test(message.channel)) {
    throw inboundErrors.invalidChannel();
  }
  if (message.externalId.length === 0 || message.externalId.length > MAX_EXTERNAL_ID) {
    throw inboundErrors.invalidExternalId(MAX_EXTERNAL_ID);
  }
  if (message.text.trim().length === 0 && (message.attachments ?? []).length === 0) {
    throw inboundErrors.empty();
  }
  for (const field of ['externalId', 'subject', 'text', 'html'] as const) refuseNul(message[field], field);
  const refs = [...new Set(message.threadRefs ?? [])];
  if (refs.length > MAX_THREAD_REFS) throw inboundErrors.tooManyThreadRefs(MAX_THREAD_REFS);
  refs.forEach((ref, i) => {
    if (ref.length === 0 || ref.length > MAX_THREAD_REF) throw inboundErrors.invalidThreadRef(MAX_THREAD_REF, `threadRefs.${i}`);
    refuseNul(ref, `threadRefs.${i}`);
  });
  const customerRefs = [...new Set(message.customerThreadRefs ?? [])].filter((ref) => !refs.includes(ref));
  if (customerRefs.length > INBOUND_LIMITS.customerThreadRefs) throw inboundErrors.tooManyThreadRefs(INBOUND_LIMITS.customerThreadRefs);
  customerRefs.forEach((ref, i) => {
    if (ref.length === 0 || ref.length > MAX_THREAD_REF) throw inboundErrors.invalidThreadRef(MAX_THREAD_REF, `customerThreadRefs.${i}`);
    refuseNul(ref, `customerThreadRefs.${i}`);
  });
  const key = identityOf(message.from.kind, message.from.value, 'from.value', normalise);
  const also = (message.identities ?? []).map((identity, i) => identityOf(identity.kind, identity.value, `identities.${i}.value`, normalise));
  return { message, refs, customerRefs, sender: { key, name: message.from.name, also: also.filter((k) => identityKeyOf(k) !== identityKeyOf(key)) } };
};

const receiptKey = (m: Pick<InboundMessage, 'channel' | 'externalId'>) => `${m.channel}\u0000${m.externalId}`;
const refKey = (channel: string, ref: string) => `${channel}\u0000${ref}`;
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

interface Fresh extends Checked {
  interactionId: string;
  customerId: string;
}

interface Touched {
  conversation: Conversation;
  isNew: boolean;
  /** A message asked for routing and the conversation was not open: it goes to a queue. */
  toQueue: boolean;
  /** The message that sent it to a queue: routing rules match on it. */
  trigger?: Fresh | undefined;
}

/**
 * Records inbound messages: dedupe, identity, conversation, ledger entry, work item and outbox
 * events, in one transaction — identity → ledger → routing, each step its own area's. Resolves
 * only after commit, so a channel may acknowledge its source when this returns.
 *
 * Messages that arrive while a transaction is in flight are ingested together (group commit):
 * one set of statements per batch, no added latency when idle, and a failing batch is retried
 * message by message so one bad message never fails the others.
 */
export class IngestInbound implements IngestPort {
  private readonly batches: GroupCommit<Checked, IngestResult>;
  /** Routing rules compiled once and the queues they and the channels send to, re-read only when their version moves. */
  private readonly routing = new RoutingConfigCache();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly settings: Pick<CoreSettings, 'continuityWindowSeconds' | 'channelQueues'> & Partial<Pick<CoreSettings, 'identity' | 'crmEvents'>>,
    observeBatch: (size: number) => void = () => {},
    maxBatch = 64,
  ) {
    this.batches = new GroupCommit((batch) => this.store.transaction((session) => this.ingestBatch(session, batch)), { maxBatch, onBatch: observeBatch });
  }

  ingest(message: InboundMessage): Promise<IngestResult> {
    try {
      return this.batches.submit(checkMessage(message, { defaultRegion: this.settings.identity?.defaultRegion }));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  ingestMany(messages: readonly InboundMessage[]): Promise<IngestResult>[] {
    const checked: (Checked | Error)[] = messages.map((message) => {
      try {
        return checkMessage(message, { defaultRegion: this.settings.identity?.defaultRegion });
      } catch (error) {
        return error instanceof Error ? error : new Error(String(error));
      }
    });
    const valid = checked.filter((c): c is Checked => !(c instanceof Error));
    const submitted = this.batches.submitMany(valid);
    let next = 0;
    return checked.map((c) => (c instanceof Error ? Promise.reject(c) : submitted[next++]!));
  }

  private async ingestBatch(session: StoreSession, batch: readonly Checked[]): Promise<IngestResult[]> {
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
    // Lock order: every identity the batch names (sorted), then the receipt rows (sorted). They
    // are locked and read for duplicates too, so that claiming the receipts, reading the
    // identities and the routing configuration's version all travel in one round trip.
    const keys = identityKeysOf(batch.map((p) => p.sender));
    await session.lockAll(keys.map((k) => lockKeys.identity(k.kind, k.value)));
    const queueNames = queueNamesFor(this.settings.channelQueues, [...new Set(batch.map((p) => p.message.channel))]);
    const [claimedKeys, identities, config] = await Promise.all([
      session.receipts.claimMany(receipts),
      session.identities.findMany(keys),
      this.routing.read(session, queueNames),
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
      // 2. Identity: who wrote, as one customer across channels.
      const { customerOf, created, conflicts } = await resolveCustomers(session, fresh.map((i) => batch[i]!.sender), identities, now, this.settings.identity?.rules);
      const items = fresh.map((i) => ({
        ...batch[i]!,
        customerId: customerOf.get(identityKeyOf(batch[i]!.sender.key))!.id,
        interactionId: interactionIdOf.get(receiptKey(batch[i]!.message))!,
      }));
      // Identities of two customers in one message: a suggestion for an agent, never a silent merge.
      if (conflicts.length > 0) {
        const interactionOf = new Map([...items].reverse().map((item) => [identityKeyOf(item.sender.key), item.interactionId]));
        await session.mergeSuggestions.addPending(
          conflicts.map((conflict) => ({
            id: newId(),
            customerId: conflict.customerId,
            otherCustomerId: conflict.otherCustomerId,
            identity: conflict.identity,
            interactionId: interactionOf.get(conflict.sender) ?? null,
            status: 'pending' as const,
            createdAt: now,
            decidedAt: null,
          })),
        );
      }
      // 3. Ledger and routing.
      const attributes = new Map([...customerOf.values()].map((c) => [c.id, c.attributes]));
      const written = await this.record(session, items, created, { queues: config.byName, rules: config.rules, attributes, ruleQueues: config.byId }, now);
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

  /** Joins or opens conversations, appends the entries, queues what needs an agent. */
  private async record(
    session: StoreSession,
    items: readonly Fresh[],
    newCustomers: ReadonlySet<string>,
    routing: {
      queues: PrefetchedQueues;
      rules: RuleSet;
      attributes: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
      /** Queues of the rules, read ahead by id (those missing here are read below). */
      ruleQueues: ReadonlyMap<string, Queue | null>;
    },
    now: Date,
  ): Promise<IngestResult[]> {
    // One indexed query for the whole batch: each ref on its channel, and on any channel for messages that ask for it.
    const refs = items.flatMap((p) =>
      [...p.refs, ...p.customerRefs].flatMap((ref) => [{ channel: p.message.channel as string | null, ref }, ...(p.message.threadScope === 'any' ? [{ channel: null, ref }] : [])]),
    );
    const since = new Date(now.getTime() - this.settings.continuityWindowSeconds * 1000);
    // A customer created in this batch has no conversation yet.
    const knownCustomers = [...new Set(items.map((p) => p.customerId))].filter((id) => !newCustomers.has(id));
    // Routing rules match on the message and its sender alone: match them now, so that the queues
    // they name are read together with the conversations (whether a message queues is known later).
    const ruleOf = new Map<Fresh, RoutingRule>();
    if (routing.rules.size > 0) {
      for (const item of items) {
        const rule = routing.rules.first({
          channel: item.message.channel,
          subject: item.message.subject ?? null,
          text: item.message.text,
          identityKind: item.sender.key.kind,
          attributes: routing.attributes.get(item.customerId) ?? {},
        });
        if (rule) ruleOf.set(item, rule);
      }
    }
    const targetIds = [...new Set([...ruleOf.values()].flatMap((rule) => (rule.actions.queueId && !routing.ruleQueues.has(rule.actions.queueId) ? [rule.actions.queueId] : [])))];
    const [referenced, open, targets] = await Promise.all([
      refs.length > 0 ? session.interactions.findConversationsByRefs(refs) : [],
      knownCustomers.length > 0 ? session.conversations.findOpenMany(knownCustomers, since) : [],
      Promise.all(targetIds.map((id) => session.queues.get(id))),
    ]);
    const targetQueues = new Map([...routing.ruleQueues, ...targetIds.map((id, i) => [id, targets[i] ?? null] as const)]);
    const byRef = new Map(referenced.filter((r) => r.channel !== null).map((r) => [refKey(r.channel!, r.ref), r.conversationId]));
    const anywhere = new Map(referenced.filter((r) => r.channel === null).map((r) => [r.ref, r.conversationId]));

    // Lock the conversations found, then read them again: their state is only stable under the lock.
    const candidates = [...new Set([...byRef.values(), ...anywhere.values(), ...open.map((c) => c.id)])];
    let locked = new Map<string, Conversation>();
    const heads = new Map<string, Pick<Interaction, 'seq' | 'digest'>>();
    if (candidates.length > 0) {
      await session.lockAll(candidates.map(lockKeys.conversation));
      const [conversations, last] = await Promise.all([session.conversations.getMany(candidates), session.interactions.lastMany(candidates)]);
      locked = new Map(conversations.map((c) => [c.id, c]));
      for (const head of last) heads.set(head.conversationId, head);
    }
    const openOf = new Map(open.map((c) => [c.customerId, c.id]));

    const touched = new Map<string, Touched>();
    const interactions: Interaction[] = [];
    const results: IngestResult[] = [];
    for (const item of items) {
      const { message, sender } = item;
      const channel = message.channel;
      // The most direct ref that names a known message wins; on its own channel first, then anywhere.
      const lookUp = (ref: string) => byRef.get(refKey(channel, ref)) ?? (message.threadScope === 'any' ? anywhere.get(ref) : undefined);
      // A same-customer ref (a subject token) counts only when no real ref matched, and only for the sender's own conversation.
      const customerOf = (id: string) => touched.get(id)?.conversation.customerId ?? locked.get(id)?.customerId;
      const referencedId =
        item.refs.map(lookUp).find((id) => id !== undefined) ??
        item.customerRefs.map(lookUp).find((id) => id !== undefined && customerOf(id) === item.customerId);
      const joinId = [referencedId, openOf.get(item.customerId)].find((id) => id !== undefined && (touched.has(id) || (locked.get(id)?.status ?? 'closed') !== 'closed'));
      let state = joinId ? touched.get(joinId) : undefined;
      if (!state) {
        const existing = joinId ? locked.get(joinId) : undefined;
        state = existing
          ? { conversation: existing, isNew: false, toQueue: false }
          : { conversation: conversationLifecycle.open(item.customerId, now), isNew: true, toQueue: false };
        touched.set(state.conversation.id, state);
      }
      // Later messages of this customer in the batch join the same conversation.
      if (!referencedId || state.conversation.customerId === item.customerId) openOf.set(item.customerId, state.conversation.id);

      const hop = hopOf(state.conversation, channel);
      const interaction = buildEntry(
        state.conversation,
        {
          channel,
          direction: 'inbound',
          type: 'message',
          externalId: message.externalId,
          threadRef: item.refs[0] ?? null,
          subject: message.subject ?? null,
          text: message.text,
          html: message.html ?? null,
          attachments: message.attachments ?? [],
          party: { kind: sender.key.kind, value: sender.key.value, ...(message.from.name ? { name: message.from.name } : {}) },
          // The whole References chain, kept with the entry (and for the References of a reply). Lookups
          // match every ref against stored external ids and first references (findConversationsByRefs).
          // A channel hop is marked on the entry itself, so every read of the ledger shows it.
          data: { ...(item.refs.length > 1 ? { threadRefs: item.refs } : {}), ...(hop ? { hop } : {}) },
          sourcePlugin: message.sourcePlugin ?? null,
          occurredAt: message.occurredAt ?? now,
        },
        heads.get(state.conversation.id) ?? null,
        now,
        item.interactionId,
      );
      heads.set(state.conversation.id, interaction);
      // Later messages of the batch may refer to this one, which the database cannot know of yet.
      byRef.set(refKey(channel, message.externalId), state.conversation.id);
      anywhere.set(message.externalId, state.conversation.id);
      for (const ref of item.refs) if (!byRef.has(refKey(channel, ref))) byRef.set(refKey(channel, ref), state.conversation.id);
      interactions.push(interaction);
      state.conversation = conversationLifecycle.customerWrote(state.conversation, channel, now);
      // A conversation nobody works on (new, resolved, or recorded without routing) goes to a queue.
      const unworked = state.conversation.status === 'open' || !isOpenStatus(state.conversation.status);
      if (message.routing !== 'record' && unworked && !state.toQueue) {
        state.toQueue = true;
        state.trigger = item;
      }
      results.push({ interactionId: interaction.id, customerId: state.conversation.customerId, conversationId: state.conversation.id, duplicate: false });
    }

    const toQueue = [...touched.values()].filter((s) => s.toQueue);
    if (toQueue.length > 0) {
      const matched = new Map<string, { rule: RoutingRule; queue: Queue | null }>();
      for (const state of toQueue) {
        const rule = state.trigger ? ruleOf.get(state.trigger) : undefined;
        // A rule's queue deleted since: its priority and skills still apply, the queue is found as without a rule.
        if (rule) matched.set(state.conversation.id, { rule, queue: rule.actions.queueId ? (targetQueues.get(rule.actions.queueId) ?? null) : null });
      }
      const queued = await enqueueConversations(session, toQueue.map((s) => s.conversation), {
        channelQueues: this.settings.channelQueues,
        prefetched: routing.queues,
        rules: matched,
        now,
      });
      toQueue.forEach((s, i) => {
        s.conversation = queued[i]!;
      });
    }

    await session.interactions.insertMany(interactions);
    const created = [...touched.values()].filter((s) => s.isNew).map((s) => s.conversation);
    if (created.length > 0) await session.conversations.insertMany(created);
    for (const state of touched.values()) if (!state.isNew) await session.conversations.update(state.conversation);
    // A message on a conversation an agent works on is shown in that agent's desk thread.
    const posts = interactions.flatMap((interaction) => {
      const agentId = touched.get(interaction.conversationId)?.conversation.assignment?.agentId;
      return agentId ? [{ type: 'desk.post' as const, interactionId: interaction.id, conversationId: interaction.conversationId, agentId }] : [];
    });
    // A CRM logs every entry: one event for the batch, only when a CRM instance is configured.
    const recorded: DomainEvent[] = this.settings.crmEvents
      ? [{ type: 'interaction.recorded', entries: interactions.map((i) => ({ interactionId: i.id, customerId: i.customerId, conversationId: i.conversationId })) }]
      : [];
    if (posts.length > 0 || recorded.length > 0) await session.outbox.add([...posts, ...recorded]);
    return results;
  }
}
