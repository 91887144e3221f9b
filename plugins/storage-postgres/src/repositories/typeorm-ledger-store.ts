import {
  isId,
  type Conversation,
  type ConversationFilter,
  type ConversationRepository,
  type Delivery,
  type DeliveryRepository,
  type InboundReceipt,
  type InboundReceiptRepository,
  type Interaction,
  type InteractionRepository,
  type LedgerHead,
  type LedgerHeadRepository,
  type Page,
  type PageRequest,
  type SearchHit,
  type SearchQuery,
  type TimelineFilter,
} from '@switchboard/core';
import { In, MoreThanOrEqual, Not, type EntityManager, type Repository } from 'typeorm';
import {
  toConversation,
  toConversationRow,
  toDelivery,
  toDeliveryRow,
  toInteraction,
  toInteractionRow,
} from '../mappers/ledger.mapper.js';
import {
  ConversationSchema,
  DeliverySchema,
  InboundReceiptSchema,
  InteractionSchema,
  LedgerHeadSchema,
  type ConversationRow,
  type DeliveryRow,
  type InboundReceiptRow,
  type InteractionRow,
  type LedgerHeadRow,
} from '../schemas/ledger.schema.js';
import { bulkInsert } from './bulk-insert.js';
import { bulkUpdate } from './bulk-update.js';
import { pageSize, readKeyset, toPage } from './keyset.js';
import { selectList } from './select-list.js';
import { execute, sqlLiteral } from '../statement-batch.js';
import { updateRows } from './update-rows.js';

export class TypeormConversationRepository implements ConversationRepository {
  private readonly rows: Repository<ConversationRow>;

  constructor(manager: EntityManager) {
    this.rows = manager.getRepository(ConversationSchema);
  }

  async insert(conversation: Conversation): Promise<void> {
    await this.rows.insert(toConversationRow(conversation));
  }

  async get(id: string): Promise<Conversation | null> {
    if (!isId(id)) return null;
    const row = await this.rows.findOneBy({ id });
    return row ? toConversation(row) : null;
  }

  async update(conversation: Conversation): Promise<void> {
    const { id, ...changes } = toConversationRow(conversation);
    await updateRows(this.rows, { id }, changes);
  }

  async updateMany(conversations: readonly Conversation[]): Promise<void> {
    await bulkUpdate(this.rows.manager, ConversationSchema, 'id', conversations.filter((c) => isId(c.id)).map(toConversationRow));
  }

  async findOpen(customerId: string, since: Date): Promise<Conversation | null> {
    if (!isId(customerId)) return null;
    const row = await this.rows.findOne({
      where: { customerId, status: Not(In(['resolved', 'closed'])), updatedAt: MoreThanOrEqual(since) },
      order: { updatedAt: 'DESC', id: 'DESC' },
    });
    return row ? toConversation(row) : null;
  }

  async list(filter: ConversationFilter, page: PageRequest): Promise<Page<Conversation>> {
    const size = pageSize(page.limit);
    const query = this.rows.createQueryBuilder('c');
    if (filter.status !== undefined) query.andWhere('c.status = :status', { status: filter.status });
    if (filter.queueId !== undefined) {
      if (!isId(filter.queueId)) return { items: [], nextCursor: null };
      query.andWhere('c.queueId = :queueId', { queueId: filter.queueId });
    }
    if (filter.customerId !== undefined) {
      if (!isId(filter.customerId)) return { items: [], nextCursor: null };
      query.andWhere('c.customerId = :customerId', { customerId: filter.customerId });
    }
    if (filter.assignedTo !== undefined) {
      if (!isId(filter.assignedTo)) return { items: [], nextCursor: null };
      query.andWhere('c.assignmentAgentId = :assignedTo', { assignedTo: filter.assignedTo });
    }
    if (page.cursor !== undefined) {
      const after = readKeyset(page.cursor, ['date']);
      query.andWhere('(c.createdAt, c.id) < (:afterCreatedAt, :afterId)', { afterCreatedAt: after.keys[0], afterId: after.id });
    }
    const rows = await query
      .orderBy('c.createdAt', 'DESC')
      .addOrderBy('c.id', 'DESC')
      .limit(size + 1)
      .getMany();
    return toPage(rows, size, toConversation, (r) => ({ keys: [r.createdAt], id: r.id }));
  }

  async getMany(ids: readonly string[]): Promise<Conversation[]> {
    const valid = ids.filter(isId);
    if (valid.length === 0) return [];
    return (await this.rows.findBy({ id: In(valid) })).map(toConversation);
  }

  async findOpenMany(customerIds: readonly string[], since: Date): Promise<Conversation[]> {
    const valid = customerIds.filter(isId);
    if (valid.length === 0) return [];
    const rows = await this.rows
      .createQueryBuilder('c')
      .distinctOn(['c.customerId'])
      .where('c.customerId IN (:...customerIds)', { customerIds: valid })
      .andWhere("c.status NOT IN ('resolved', 'closed')")
      .andWhere('c.updatedAt >= :since', { since })
      .orderBy('c.customerId')
      .addOrderBy('c.updatedAt', 'DESC')
      .addOrderBy('c.id', 'DESC')
      .getMany();
    return rows.map(toConversation);
  }

  async insertMany(conversations: readonly Conversation[]): Promise<void> {
    await bulkInsert(this.rows.manager, ConversationSchema, conversations.map(toConversationRow));
  }

  async listByCustomers(customerIds: readonly string[]): Promise<Conversation[]> {
    const valid = customerIds.filter(isId);
    if (valid.length === 0) return [];
    const rows = await this.rows.find({ where: { customerId: In(valid) }, order: { createdAt: 'DESC', id: 'DESC' } });
    return rows.map(toConversation);
  }
}

/**
 * Advances the hub-wide anchor to the highest entry of each conversation among `interactions`,
 * held back into the same statement batch as the entries' insert (no round trip of its own).
 */
const advanceHeads = async (manager: EntityManager, interactions: readonly Interaction[]): Promise<void> => {
  const heads = new Map<string, Interaction>();
  for (const i of interactions) {
    const known = heads.get(i.conversationId);
    if (known === undefined || known.seq < i.seq) heads.set(i.conversationId, i);
  }
  if (heads.size === 0) return;
  const values = [...heads.values()].map((i) => `('${i.conversationId}', ${i.seq}, ${sqlLiteral(i.digest)})`).join(', ');
  await execute(
    manager,
    `INSERT INTO ledger_heads (conversation_id, seq, digest) VALUES ${values}
       ON CONFLICT (conversation_id) DO UPDATE SET seq = EXCLUDED.seq, digest = EXCLUDED.digest WHERE ledger_heads.seq < EXCLUDED.seq`,
  );
};

const TIMELINE_ORDER = 't."occurredAt" DESC, t."recordedAt" DESC, t.id DESC';

export class TypeormInteractionRepository implements InteractionRepository {
  private readonly rows: Repository<InteractionRow>;

  constructor(private readonly manager: EntityManager) {
    this.rows = manager.getRepository(InteractionSchema);
  }

  async insert(interaction: Interaction): Promise<void> {
    await this.rows.insert(toInteractionRow(interaction));
    await advanceHeads(this.manager, [interaction]);
  }

  async get(id: string): Promise<Interaction | null> {
    if (!isId(id)) return null;
    const row = await this.rows.findOneBy({ id });
    return row ? toInteraction(row) : null;
  }

  async last(conversationId: string): Promise<Interaction | null> {
    if (!isId(conversationId)) return null;
    const row = await this.rows.findOne({ where: { conversationId }, order: { seq: 'DESC' } });
    return row ? toInteraction(row) : null;
  }

  async listByConversation(conversationId: string): Promise<Interaction[]> {
    if (!isId(conversationId)) return [];
    const rows = await this.rows.find({ where: { conversationId }, order: { seq: 'ASC' } });
    return rows.map(toInteraction);
  }

  async timeline(customerIds: readonly string[], filter: TimelineFilter, page: PageRequest): Promise<Page<Interaction>> {
    const size = pageSize(page.limit);
    const after = page.cursor === undefined ? null : readKeyset(page.cursor, ['date', 'date']);
    const ids = [...new Set(customerIds.filter(isId))];
    if (ids.length === 0) return { items: [], nextCursor: null };
    const params: unknown[] = [ids, size + 1];
    const where: string[] = ['customer_id = k.id'];
    if (filter.channel !== undefined) where.push(`channel = $${params.push(filter.channel)}`);
    if (filter.direction !== undefined) where.push(`direction = $${params.push(filter.direction)}`);
    if (filter.type !== undefined) where.push(`type = $${params.push(filter.type)}`);
    if (after !== null) {
      where.push(`(occurred_at, recorded_at, id) < ($${params.push(after.keys[0])}::timestamptz, $${params.push(after.keys[1])}::timestamptz, $${params.push(after.id)}::uuid)`);
    }
    // One index walk per customer (a customer and those merged into it), each stopping after a
    // page, then merged: the first page costs the same for 10 entries or 10,000.
    const rows = await this.manager.query<InteractionRow[]>(
      `SELECT t.* FROM unnest($1::uuid[]) AS k(id)
         CROSS JOIN LATERAL (
           SELECT ${selectList(this.manager, InteractionSchema)} FROM interactions
            WHERE ${where.join(' AND ')}
            ORDER BY occurred_at DESC, recorded_at DESC, id DESC LIMIT $2
         ) AS t
        ORDER BY ${TIMELINE_ORDER} LIMIT $2`,
      params,
    );
    return toPage(rows, size, toInteraction, (r) => ({ keys: [r.occurredAt, r.recordedAt], id: r.id }));
  }

  async search(query: SearchQuery, page: PageRequest): Promise<Page<SearchHit>> {
    const size = pageSize(page.limit);
    const after = page.cursor === undefined ? null : readKeyset(page.cursor, ['date', 'date']);
    const params: unknown[] = [query.text, size + 1];
    const where: string[] = ['search @@ q.query'];
    if (query.channel !== undefined) where.push(`channel = $${params.push(query.channel)}`);
    if (query.customerIds !== undefined) where.push(`customer_id = ANY($${params.push(query.customerIds.filter(isId))}::uuid[])`);
    if (after !== null) {
      where.push(`(occurred_at, recorded_at, id) < ($${params.push(after.keys[0])}::timestamptz, $${params.push(after.keys[1])}::timestamptz, $${params.push(after.id)}::uuid)`);
    }
    // The page first (GIN index), the headlines only for the rows served.
    const rows = await this.manager.query<(InteractionRow & { snippet: string })[]>(
      `WITH q AS (SELECT websearch_to_tsquery('simple', $1) AS query),
            t AS (SELECT ${selectList(this.manager, InteractionSchema)} FROM interactions, q
                   WHERE ${where.join(' AND ')}
                   ORDER BY occurred_at DESC, recorded_at DESC, id DESC LIMIT $2)
       SELECT t.*, ts_headline('simple', coalesce(t.subject, '') || ' ' || t.text, q.query,
                               'StartSel=«, StopSel=», MaxWords=20, MinWords=5, MaxFragments=1') AS snippet
         FROM t, q ORDER BY ${TIMELINE_ORDER}`,
      params,
    );
    return toPage(
      rows,
      size,
      (r) => ({ interaction: toInteraction(r), snippet: r.snippet }),
      (r) => ({ keys: [r.occurredAt, r.recordedAt], id: r.id }),
    );
  }

  async lastPerChannel(customerIds: readonly string[]): Promise<Interaction[]> {
    const ids = customerIds.filter(isId);
    if (ids.length === 0) return [];
    const rows = await this.manager.query<InteractionRow[]>(
      `SELECT DISTINCT ON (channel) ${selectList(this.manager, InteractionSchema)} FROM interactions
        WHERE customer_id = ANY($1::uuid[]) ORDER BY channel, occurred_at DESC, recorded_at DESC, id DESC`,
      [ids],
    );
    return rows.map(toInteraction);
  }

  async countByCustomers(customerIds: readonly string[]): Promise<number> {
    const ids = customerIds.filter(isId);
    if (ids.length === 0) return 0;
    const [row] = await this.manager.query<{ count: string }[]>('SELECT count(*) AS count FROM interactions WHERE customer_id = ANY($1::uuid[])', [ids]);
    return Number(row?.count ?? 0);
  }

  async tombstone(ids: readonly string[], at: Date): Promise<void> {
    const valid = ids.filter(isId);
    if (valid.length === 0) return;
    // The one UPDATE the append-only trigger lets through (see the ErasableLedger migration).
    await execute(
      this.manager,
      `UPDATE interactions SET subject = NULL, text = '', html = NULL, attachments = '[]'::jsonb, party = NULL, data = '{}'::jsonb, erased_at = $2
        WHERE id = ANY($1::uuid[]) AND erased_at IS NULL`,
      [valid, at],
    );
  }

  async listByConversations(conversationIds: readonly string[]): Promise<Interaction[]> {
    const valid = conversationIds.filter(isId);
    if (valid.length === 0) return [];
    const rows = await this.rows.find({ where: { conversationId: In(valid) }, order: { conversationId: 'ASC', seq: 'ASC' } });
    return rows.map(toInteraction);
  }

  async conversationIdsAfter(after: string | null, limit: number): Promise<string[]> {
    if (after !== null && !isId(after)) return [];
    const rows = await this.manager.query<{ id: string }[]>(
      `SELECT DISTINCT conversation_id AS id FROM interactions ${after === null ? '' : 'WHERE conversation_id > $2'} ORDER BY conversation_id LIMIT $1`,
      after === null ? [pageSize(limit)] : [pageSize(limit), after],
    );
    return rows.map((r) => r.id);
  }

  async findConversationByRef(channel: string, ref: string): Promise<string | null> {
    const row = await this.rows.findOne({
      select: { conversationId: true },
      where: [
        { channel, externalId: ref },
        { channel, threadRef: ref },
      ],
      order: { occurredAt: 'DESC', recordedAt: 'DESC', seq: 'DESC' },
    });
    return row?.conversationId ?? null;
  }

  async findByExternalId(channel: string, externalId: string): Promise<Interaction | null> {
    const row = await this.rows.findOne({ where: { channel, externalId }, order: { occurredAt: 'DESC', recordedAt: 'DESC', seq: 'DESC' } });
    return row ? toInteraction(row) : null;
  }

  async lastInbound(conversationId: string): Promise<Interaction | null> {
    if (!isId(conversationId)) return null;
    const row = await this.rows.findOne({ where: { conversationId, direction: 'inbound' }, order: { seq: 'DESC' } });
    return row ? toInteraction(row) : null;
  }

  async insertMany(interactions: readonly Interaction[]): Promise<void> {
    await bulkInsert(this.manager, InteractionSchema, interactions.map(toInteractionRow));
    await advanceHeads(this.manager, interactions);
  }

  async getMany(ids: readonly string[]): Promise<Interaction[]> {
    const valid = ids.filter(isId);
    if (valid.length === 0) return [];
    return (await this.rows.findBy({ id: In(valid) })).map(toInteraction);
  }

  async lastMany(conversationIds: readonly string[]): Promise<Interaction[]> {
    const valid = conversationIds.filter(isId);
    if (valid.length === 0) return [];
    const rows = await this.rows
      .createQueryBuilder('i')
      .distinctOn(['i.conversationId'])
      .where('i.conversationId IN (:...ids)', { ids: valid })
      .orderBy('i.conversationId')
      .addOrderBy('i.seq', 'DESC')
      .getMany();
    return rows.map(toInteraction);
  }

  async findConversationsByRefs(refs: readonly { channel: string | null; ref: string }[]): Promise<{ channel: string | null; ref: string; conversationId: string }[]> {
    if (refs.length === 0) return [];
    // Two index lookups (external id, thread ref) per reference on a channel, one (external id) for a
    // reference on any channel (channel null); the newest entry wins, as in findConversationByRef.
    // LATERAL keeps it to index probes per reference however large the ledger grows; the branch that
    // does not apply to a reference is cut by a one-time filter on r.channel.
    const rows: { channel: string | null; ref: string; conversation_id: string }[] = await this.manager.query(
      `SELECT r.channel, r.ref, m.conversation_id
         FROM unnest($1::text[], $2::text[]) AS r(channel, ref)
         CROSS JOIN LATERAL (
           SELECT c.conversation_id FROM (
             (SELECT conversation_id, occurred_at, recorded_at, seq FROM interactions
               WHERE channel = r.channel AND external_id = r.ref
               ORDER BY occurred_at DESC, recorded_at DESC, seq DESC LIMIT 1)
             UNION ALL
             (SELECT conversation_id, occurred_at, recorded_at, seq FROM interactions
               WHERE channel = r.channel AND thread_ref = r.ref
               ORDER BY occurred_at DESC, recorded_at DESC, seq DESC LIMIT 1)
             UNION ALL
             (SELECT conversation_id, occurred_at, recorded_at, seq FROM interactions
               WHERE r.channel IS NULL AND external_id = r.ref
               ORDER BY occurred_at DESC, recorded_at DESC, seq DESC LIMIT 1)
           ) AS c
           ORDER BY c.occurred_at DESC, c.recorded_at DESC, c.seq DESC LIMIT 1
         ) AS m`,
      [refs.map((r) => r.channel), refs.map((r) => r.ref)],
    );
    return rows.map((r) => ({ channel: r.channel, ref: r.ref, conversationId: r.conversation_id }));
  }
}

export class TypeormLedgerHeadRepository implements LedgerHeadRepository {
  private readonly rows: Repository<LedgerHeadRow>;

  constructor(manager: EntityManager) {
    this.rows = manager.getRepository(LedgerHeadSchema);
  }

  async page(after: string | null, limit: number): Promise<LedgerHead[]> {
    if (after !== null && !isId(after)) return [];
    const query = this.rows.createQueryBuilder('h');
    if (after !== null) query.where('h.conversationId > :after', { after });
    return query.orderBy('h.conversationId', 'ASC').limit(pageSize(limit)).getMany();
  }

  async getMany(conversationIds: readonly string[]): Promise<LedgerHead[]> {
    const valid = conversationIds.filter(isId);
    if (valid.length === 0) return [];
    return this.rows.findBy({ conversationId: In(valid) });
  }
}

export class TypeormInboundReceiptRepository implements InboundReceiptRepository {
  private readonly rows: Repository<InboundReceiptRow>;

  constructor(private readonly manager: EntityManager) {
    this.rows = manager.getRepository(InboundReceiptSchema);
  }

  async find(channel: string, externalId: string): Promise<{ interactionId: string } | null> {
    const row = await this.rows.findOneBy({ channel, externalId });
    return row ? { interactionId: row.interactionId } : null;
  }

  async claimMany(receipts: readonly InboundReceipt[]): Promise<{ channel: string; externalId: string }[]> {
    if (receipts.length === 0) return [];
    // ON CONFLICT DO NOTHING waits for a concurrent inserter of the same key, then skips the row if it committed.
    const rows: { channel: string; external_id: string }[] = await this.manager.query(
      `INSERT INTO inbound_receipts (channel, external_id, interaction_id, received_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[], $4::timestamptz[])
       ON CONFLICT DO NOTHING
       RETURNING channel, external_id`,
      [receipts.map((r) => r.channel), receipts.map((r) => r.externalId), receipts.map((r) => r.interactionId), receipts.map((r) => r.receivedAt)],
    );
    return rows.map((r) => ({ channel: r.channel, externalId: r.external_id }));
  }

  async findMany(keys: readonly { channel: string; externalId: string }[]): Promise<InboundReceipt[]> {
    if (keys.length === 0) return [];
    const rows = await this.manager.query<InboundReceipt[]>(
      `SELECT r.channel, r.external_id AS "externalId", r.interaction_id AS "interactionId", r.received_at AS "receivedAt"
         FROM unnest($1::text[], $2::text[]) AS k(channel, external_id)
         CROSS JOIN LATERAL (SELECT * FROM inbound_receipts WHERE channel = k.channel AND external_id = k.external_id LIMIT 1) AS r`,
      [keys.map((k) => k.channel), keys.map((k) => k.externalId)],
    );
    return rows;
  }

  async insert(receipt: { channel: string; externalId: string; interactionId: string; receivedAt: Date }): Promise<void> {
    // a plain INSERT: a second receipt for the same (channel, externalId) violates the primary key
    await this.rows.insert({
      channel: receipt.channel,
      externalId: receipt.externalId,
      interactionId: receipt.interactionId,
      receivedAt: receipt.receivedAt,
    });
  }
}

export class TypeormDeliveryRepository implements DeliveryRepository {
  private readonly rows: Repository<DeliveryRow>;

  constructor(manager: EntityManager) {
    this.rows = manager.getRepository(DeliverySchema);
  }

  async insert(delivery: Delivery): Promise<void> {
    await this.rows.insert(toDeliveryRow(delivery));
  }

  async get(interactionId: string): Promise<Delivery | null> {
    if (!isId(interactionId)) return null;
    const row = await this.rows.findOneBy({ interactionId });
    return row ? toDelivery(row) : null;
  }

  async update(delivery: Delivery): Promise<void> {
    const { interactionId, ...changes } = toDeliveryRow(delivery);
    await updateRows(this.rows, { interactionId }, changes);
  }

  async listDue(now: Date, limit: number): Promise<Delivery[]> {
    const rows = await this.rows
      .createQueryBuilder('d')
      // literal statuses so the planner can use the partial index ix_deliveries_due
      .where(`d.status IN ('pending', 'retrying')`)
      .andWhere('(d.nextAttemptAt IS NULL OR d.nextAttemptAt <= :now)', { now })
      .andWhere('(d.leaseUntil IS NULL OR d.leaseUntil <= :now)', { now })
      .orderBy('d.nextAttemptAt', 'ASC', 'NULLS FIRST')
      .addOrderBy('d.interactionId', 'ASC')
      .limit(pageSize(limit))
      .getMany();
    return rows.map(toDelivery);
  }

  async getMany(interactionIds: readonly string[]): Promise<Delivery[]> {
    const ids = interactionIds.filter(isId);
    if (ids.length === 0) return [];
    const rows = await this.rows.find({ where: { interactionId: In(ids) }, order: { interactionId: 'ASC' } });
    return rows.map(toDelivery);
  }
}
