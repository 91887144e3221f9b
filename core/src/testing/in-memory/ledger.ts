import { isOpenStatus, type Conversation } from '../../ledger/conversation.entity.js';
import { tombstoneContent, type Interaction } from '../../ledger/interaction.entity.js';
import type {
  ConversationFilter,
  ConversationRepository,
  InboundReceipt,
  InboundReceiptRepository,
  InteractionRepository,
  LedgerHead,
  LedgerHeadRepository,
  SearchHit,
  SearchQuery,
  TimelineFilter,
} from '../../ledger/ports/ledger-store.port.js';
import { SEARCH_INDEXED_CHARS } from '../../ledger/ports/ledger-store.port.js';
import type { Page, PageRequest } from '../../shared/page.js';
import { asJson, byText, byTime, ConstraintError, copy, keysetPage, sortedCopies, validIds, type Ordering } from './rows.js';
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

  async updateMany(conversations: readonly Conversation[]): Promise<void> {
    for (const conversation of conversations) await this.update(conversation);
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
    this.db.conversations.insertNew('conversations', conversations, (c) => c.id);
  }

  async listByCustomers(customerIds: readonly string[]): Promise<Conversation[]> {
    const ids = new Set(customerIds);
    return sortedCopies(
      this.db.conversations.values().filter((c) => ids.has(c.customerId)),
      (a, b) => byTime(b.createdAt, a.createdAt) || byText(b.id, a.id),
    );
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

  async timeline(customerIds: readonly string[], filter: TimelineFilter, page: PageRequest): Promise<Page<Interaction>> {
    const ids = new Set(customerIds);
    return keysetPage(
      this.db.interactions
        .values()
        .filter(
          (i) =>
            ids.has(i.customerId) &&
            (filter.channel === undefined || i.channel === filter.channel) &&
            (filter.direction === undefined || i.direction === filter.direction) &&
            (filter.type === undefined || i.type === filter.type),
        ),
      timelineOrder,
      page,
    );
  }

  async search(query: SearchQuery, page: PageRequest): Promise<Page<SearchHit>> {
    const wanted = searchTerms(query.text);
    const ids = query.customerIds === undefined ? null : new Set(query.customerIds);
    if (wanted.include.length === 0 && wanted.phrases.length === 0) return { items: [], nextCursor: null };
    const found = keysetPage(
      this.db.interactions.values().filter((i) => {
        if (ids !== null && !ids.has(i.customerId)) return false;
        if (query.channel !== undefined && i.channel !== query.channel) return false;
        const words = tokens(searchableText(i));
        const joined = ` ${words.join(' ')} `;
        return (
          wanted.include.every((w) => words.includes(w)) &&
          wanted.exclude.every((w) => !words.includes(w)) &&
          wanted.phrases.every((p) => joined.includes(` ${p.join(' ')} `))
        );
      }),
      timelineOrder,
      page,
    );
    const marked = new Set([...wanted.include, ...wanted.phrases.flat()]);
    return { items: found.items.map((i) => ({ interaction: i, snippet: snippetOf(searchableText(i), marked) })), nextCursor: found.nextCursor };
  }

  async lastPerChannel(customerIds: readonly string[]): Promise<Interaction[]> {
    const ids = new Set(customerIds);
    const newest = new Map<string, Interaction>();
    for (const i of this.db.interactions.values().filter((x) => ids.has(x.customerId)).sort(byNewestTimeline)) {
      if (!newest.has(i.channel)) newest.set(i.channel, i);
    }
    return [...newest.values()].sort((a, b) => byText(a.channel, b.channel)).map(copy);
  }

  async countByCustomers(customerIds: readonly string[]): Promise<number> {
    const ids = new Set(customerIds);
    return this.db.interactions.values().filter((i) => ids.has(i.customerId)).length;
  }

  async tombstone(ids: readonly string[], at: Date): Promise<void> {
    for (const id of validIds(ids)) {
      const row = this.db.interactions.get(id);
      if (row && row.erasedAt === null) this.db.interactions.set(id, tombstoneContent(copy(row), new Date(at)));
    }
  }

  async listByConversations(conversationIds: readonly string[]): Promise<Interaction[]> {
    const ids = new Set(conversationIds);
    return sortedCopies(
      this.db.interactions.values().filter((i) => ids.has(i.conversationId)),
      (a, b) => byText(a.conversationId, b.conversationId) || a.seq - b.seq,
    );
  }

  async conversationIdsAfter(after: string | null, limit: number): Promise<string[]> {
    const ids = new Set(this.db.interactions.values().map((i) => i.conversationId));
    return [...ids]
      .filter((id) => after === null || id > after)
      .sort(byText)
      .slice(0, Math.max(1, Math.floor(limit)));
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
    // The hub-wide anchor moves with every append, in the same transaction, and only forwards.
    for (const i of interactions) {
      const head = this.db.heads.get(i.conversationId);
      if (head === undefined || head.seq < i.seq) this.db.heads.set(i.conversationId, { conversationId: i.conversationId, seq: i.seq, digest: i.digest });
    }
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

export class InMemoryLedgerHeadRepository implements LedgerHeadRepository {
  constructor(private readonly db: Db) {}

  async page(after: string | null, limit: number): Promise<LedgerHead[]> {
    return sortedCopies(
      this.db.heads.values().filter((h) => after === null || h.conversationId > after),
      (a, b) => byText(a.conversationId, b.conversationId),
      limit,
    );
  }

  async getMany(conversationIds: readonly string[]): Promise<LedgerHead[]> {
    return conversationIds.flatMap((id) => {
      const head = this.db.heads.get(id);
      return head ? [copy(head)] : [];
    });
  }
}

/** Lower-case words of letters and digits: what the in-memory search matches (PostgreSQL's parser, roughly). */
const tokens = (text: string): string[] => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

// As the storage plugin's generated column: left(coalesce(subject, '') || ' ' || text, SEARCH_INDEXED_CHARS).
const searchableText = (i: Interaction): string => `${i.subject ?? ''} ${i.text}`.slice(0, SEARCH_INDEXED_CHARS).trim();

/** Words to include, to exclude (`-word`) and phrases (`"a b"`), as websearch_to_tsquery reads a query. */
const searchTerms = (query: string): { include: string[]; exclude: string[]; phrases: string[][] } => {
  const phrases: string[][] = [];
  const rest = query.replace(/"([^"]*)"/g, (_, phrase: string) => {
    const words = tokens(phrase);
    if (words.length > 0) phrases.push(words);
    return ' ';
  });
  const include: string[] = [];
  const exclude: string[] = [];
  for (const part of rest.split(/\s+/)) {
    if (part.startsWith('-')) exclude.push(...tokens(part.slice(1)));
    else include.push(...tokens(part));
  }
  return { include, exclude, phrases };
};

/** Up to 20 words around the first match, matched words between « and ». */
const snippetOf = (text: string, marked: ReadonlySet<string>): string => {
  const words = text.split(/\s+/).filter((w) => w.length > 0);
  const hit = words.findIndex((w) => tokens(w).some((t) => marked.has(t)));
  const start = Math.max(0, hit - 5);
  return words
    .slice(start, start + 20)
    .map((w) => (tokens(w).some((t) => marked.has(t)) ? w.replace(/[\p{L}\p{N}]+/gu, (t) => (marked.has(t.toLowerCase()) ? `«${t}»` : t)) : w))
    .join(' ');
};

const byNewestTimeline = (a: Interaction, b: Interaction) => byTime(b.occurredAt, a.occurredAt) || byTime(b.recordedAt, a.recordedAt) || byText(b.id, a.id);

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
