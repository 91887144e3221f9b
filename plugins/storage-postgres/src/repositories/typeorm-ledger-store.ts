import {
  isId,
  type Conversation,
  type ConversationFilter,
  type ConversationRepository,
  type Delivery,
  type DeliveryRepository,
  type InboundReceiptRepository,
  type Interaction,
  type InteractionRepository,
  type Page,
  type PageRequest,
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
  type ConversationRow,
  type DeliveryRow,
  type InboundReceiptRow,
  type InteractionRow,
} from '../schemas/ledger.schema.js';
import { pageSize, readKeyset, toPage } from './keyset.js';

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
    await this.rows.update({ id }, changes);
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
    if (page.cursor !== undefined) {
      const after = readKeyset(page.cursor, 1);
      query.andWhere('(c.createdAt, c.id) < (:afterCreatedAt, :afterId)', { afterCreatedAt: after.dates[0], afterId: after.id });
    }
    const rows = await query
      .orderBy('c.createdAt', 'DESC')
      .addOrderBy('c.id', 'DESC')
      .limit(size + 1)
      .getMany();
    return toPage(rows, size, toConversation, (r) => ({ dates: [r.createdAt], id: r.id }));
  }
}

export class TypeormInteractionRepository implements InteractionRepository {
  private readonly rows: Repository<InteractionRow>;

  constructor(manager: EntityManager) {
    this.rows = manager.getRepository(InteractionSchema);
  }

  async insert(interaction: Interaction): Promise<void> {
    await this.rows.insert(toInteractionRow(interaction));
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

  async timeline(customerId: string, page: PageRequest): Promise<Page<Interaction>> {
    const size = pageSize(page.limit);
    const after = page.cursor === undefined ? null : readKeyset(page.cursor, 2);
    if (!isId(customerId)) return { items: [], nextCursor: null };
    const query = this.rows.createQueryBuilder('i').where('i.customerId = :customerId', { customerId });
    if (after !== null) {
      query.andWhere('(i.occurredAt, i.recordedAt, i.id) < (:afterOccurredAt, :afterRecordedAt, :afterId)', {
        afterOccurredAt: after.dates[0],
        afterRecordedAt: after.dates[1],
        afterId: after.id,
      });
    }
    const rows = await query
      .orderBy('i.occurredAt', 'DESC')
      .addOrderBy('i.recordedAt', 'DESC')
      .addOrderBy('i.id', 'DESC')
      .limit(size + 1)
      .getMany();
    return toPage(rows, size, toInteraction, (r) => ({ dates: [r.occurredAt, r.recordedAt], id: r.id }));
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

  async lastInbound(conversationId: string): Promise<Interaction | null> {
    if (!isId(conversationId)) return null;
    const row = await this.rows.findOne({ where: { conversationId, direction: 'inbound' }, order: { seq: 'DESC' } });
    return row ? toInteraction(row) : null;
  }
}

export class TypeormInboundReceiptRepository implements InboundReceiptRepository {
  private readonly rows: Repository<InboundReceiptRow>;

  constructor(manager: EntityManager) {
    this.rows = manager.getRepository(InboundReceiptSchema);
  }

  async find(channel: string, externalId: string): Promise<{ interactionId: string } | null> {
    const row = await this.rows.findOneBy({ channel, externalId });
    return row ? { interactionId: row.interactionId } : null;
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
    await this.rows.update({ interactionId }, changes);
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
