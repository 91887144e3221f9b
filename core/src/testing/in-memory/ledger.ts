import { isOpenStatus, type Conversation } from '../../ledger/conversation.entity.js';
import type { Interaction } from '../../ledger/interaction.entity.js';
import type {
  ConversationFilter,
  ConversationRepository,
  InboundReceipt,
  InboundReceiptRepository,
  InteractionRepository,
} from '../../ledger/ports/ledger-store.port.js';
import type { Page, PageRequest } from '../../shared/page.js';
import { asJson, byTime, ConstraintError, copy, keysetPage, validIds, type Ordering } from './rows.js';
import { pairKey, type Db } from './tables.js';

const newestFirst: Ordering<Conversation> = { shape: ['date'], key: (c) => ({ keys: [c.createdAt], id: c.id }), direction: 'desc' };
const timelineOrder: Ordering<Interaction> = { shape: ['date', 'date'], key: (i) => ({ keys: [i.occurredAt, i.recordedAt], id: i.id }), direction: 'desc' };

/** Most recently updated first, then id: how `findOpen` picks. */
const byRecentUpdate = (a: Conversation, b: Conversation) => byTime(b.updatedAt, a.updatedAt) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
/** Newest entry first: occurredAt, recordedAt, seq, all descending. */
const byNewestEntry = (a: Interaction, b: Interaction) => byTime(b.occurredAt, a.occurredAt) || byTime(b.recordedAt, a.recordedAt) || b.seq - a.seq;

export class InMemoryConversationRepository implements ConversationRepository {
  constructor(private readonly db: Db) {}

  async insert(conversation: Conversation): Promise<void> {
    await this.insertMany([conversation]);
  }

  async get(id: string): Promise<Conversation | null> {
    const row = this.db.conversations.get(id);
    return row ? copy(row) : null;
  }

  async update(conversation: Conversation): Promise<void> {
    if (this.db.conversations.has(conversation.id)) this.db.conversations.set(conversation.id, copy(conversation));
  }

  async findOpen(customerId: string, since: Date): Promise<Conversation | null> {
    const [found] = this.openOf(customerId, since);
    return found ? copy(found) : null;
  }

  async list(filter: ConversationFilter, page: PageRequest): Promise<Page<Conversation>> {
    const rows = this.db.conversations.values().filter(
      (c) =>
        (filter.status === undefined || c.status === filter.status) &&
        (filter.queueId === undefined || c.queueId === filter.queueId) &&
        (filter.customerId === undefined || c.customerId === filter.customerId) &&
        (filter.assignedTo === undefined || c.assignment?.agentId === filter.assignedTo),
    );
    return keysetPage(rows, newestFirst, page);
  }

  async getMany(ids: readonly string[]): Promise<Conversation[]> {
    return validIds(ids).flatMap((id) => {
      const row = this.db.conversations.get(id);
      return row ? [copy(row)] : [];
    });
  }

  async findOpenMany(customerIds: readonly string[], since: Date): Promise<Conversation[]> {
    return [...new Set(customerIds)].flatMap((customerId) => {
      const [found] = this.openOf(customerId, since);
      return found ? [copy(found)] : [];
    });
  }

  async insertMany(conversations: readonly Conversation[]): Promise<void> {
    const ids = new Set<string>();
    for (const c of conversations) {
      if (this.db.conversations.has(c.id) || ids.has(c.id)) throw new ConstraintError('conversations', c.id);
      ids.add(c.id);
    }
    for (const c of conversations) this.db.conversations.set(c.id, copy(c));
  }

  private openOf(customerId: string, since: Date): Conversation[] {
    return this.db.conversations
      .values()
      .filter((c) => c.customerId === customerId && isOpenStatus(c.status) && c.updatedAt.getTime() >= since.getTime())
      .sort(byRecentUpdate);
  }
}

export class InMemoryInteractionRepository implements InteractionRepository {
  constructor(private readonly db: Db) {}

  async insert(interaction: Interaction): Promise<void> {
    await this.insertMany([interaction]);
  }

  async get(id: string): Promise<Interaction | null> {
    const row = this.db.interactions.get(id);
    return row ? copy(row) : null;
  }

  async last(conversationId: string): Promise<Interaction | null> {
    const head = this.chain(conversationId).at(-1);
    return head ? copy(head) : null;
  }

  async listByConversation(conversationId: string): Promise<Interaction[]> {
    return this.chain(conversationId).map(copy);
  }

  async timeline(customerId: string, page: PageRequest): Promise<Page<Interaction>> {
    return keysetPage(
      this.db.interactions.values().filter((i) => i.customerId === customerId),
      timelineOrder,
      page,
    );
  }

  async findConversationByRef(channel: string, ref: string): Promise<string | null> {
    return this.byRef(channel, ref)?.conversationId ?? null;
  }

  async findByExternalId(channel: string, externalId: string): Promise<Interaction | null> {
    const [found] = this.db.interactions
      .values()
      .filter((i) => i.channel === channel && i.externalId === externalId)
      .sort(byNewestEntry);
    return found ? copy(found) : null;
  }

  async lastInbound(conversationId: string): Promise<Interaction | null> {
    const found = this.chain(conversationId).filter((i) => i.direction === 'inbound').at(-1);
    return found ? copy(found) : null;
  }

  async insertMany(interactions: readonly Interaction[]): Promise<void> {
    // The ledger's keys: the id, and one entry per place in a conversation's chain.
    const ids = new Set<string>();
    const places = new Set(this.db.interactions.values().map((i) => pairKey(i.conversationId, String(i.seq))));
    for (const i of interactions) {
      const place = pairKey(i.conversationId, String(i.seq));
      if (this.db.interactions.has(i.id) || ids.has(i.id)) throw new ConstraintError('interactions', i.id);
      if (places.has(place)) throw new ConstraintError('interactions (conversation_id, seq)', `${i.conversationId}/${i.seq}`);
      ids.add(i.id);
      places.add(place);
    }
    for (const i of interactions) this.db.interactions.set(i.id, { ...copy(i), data: asJson(i.data) });
  }

  async getMany(ids: readonly string[]): Promise<Interaction[]> {
    return validIds(ids).flatMap((id) => {
      const row = this.db.interactions.get(id);
      return row ? [copy(row)] : [];
    });
  }

  async lastMany(conversationIds: readonly string[]): Promise<Interaction[]> {
    return [...new Set(conversationIds)].flatMap((id) => {
      const head = this.chain(id).at(-1);
      return head ? [copy(head)] : [];
    });
  }

  async findConversationsByRefs(refs: readonly { channel: string | null; ref: string }[]): Promise<{ channel: string | null; ref: string; conversationId: string }[]> {
    return refs.flatMap(({ channel, ref }) => {
      const found = channel === null ? this.byExternalIdAnywhere(ref) : this.byRef(channel, ref);
      return found ? [{ channel, ref, conversationId: found.conversationId }] : [];
    });
  }

  private chain(conversationId: string): Interaction[] {
    return this.db.interactions
      .values()
      .filter((i) => i.conversationId === conversationId)
      .sort((a, b) => a.seq - b.seq);
  }

  private byExternalIdAnywhere(externalId: string): Interaction | undefined {
    return this.db.interactions
      .values()
      .filter((i) => i.externalId === externalId)
      .sort(byNewestEntry)[0];
  }

  private byRef(channel: string, ref: string): Interaction | undefined {
    return this.db.interactions
      .values()
      .filter((i) => i.channel === channel && (i.externalId === ref || i.threadRef === ref))
      .sort(byNewestEntry)[0];
  }
}

export class InMemoryInboundReceiptRepository implements InboundReceiptRepository {
  constructor(private readonly db: Db) {}

  async find(channel: string, externalId: string): Promise<{ interactionId: string } | null> {
    const row = this.db.receipts.get(pairKey(channel, externalId));
    return row ? { interactionId: row.interactionId } : null;
  }

  async insert(receipt: InboundReceipt): Promise<void> {
    const key = pairKey(receipt.channel, receipt.externalId);
    if (this.db.receipts.has(key)) throw new ConstraintError('inbound_receipts', `${receipt.channel}/${receipt.externalId}`);
    this.db.receipts.set(key, stored(receipt));
  }

  async claimMany(receipts: readonly InboundReceipt[]): Promise<{ channel: string; externalId: string }[]> {
    // Transactions run one at a time here, so a receipt another transaction inserts is already
    // committed (and skipped) by the time this one runs: ON CONFLICT DO NOTHING after the wait.
    const claimed: { channel: string; externalId: string }[] = [];
    for (const receipt of receipts) {
      const key = pairKey(receipt.channel, receipt.externalId);
      if (this.db.receipts.has(key)) continue;
      this.db.receipts.set(key, stored(receipt));
      claimed.push({ channel: receipt.channel, externalId: receipt.externalId });
    }
    return claimed;
  }

  async findMany(keys: readonly { channel: string; externalId: string }[]): Promise<InboundReceipt[]> {
    return keys.flatMap((k) => {
      const row = this.db.receipts.get(pairKey(k.channel, k.externalId));
      return row ? [copy(row)] : [];
    });
  }
}

const stored = (r: InboundReceipt): InboundReceipt => ({ channel: r.channel, externalId: r.externalId, interactionId: r.interactionId, receivedAt: new Date(r.receivedAt) });
