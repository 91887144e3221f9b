import {
  emptyLoad,
  isId,
  lockKeys,
  type Agent,
  type AgentFilter,
  type AgentLoad,
  type AgentRepository,
  type Assignment,
  type AssignmentRepository,
  type Offer,
  type OfferRepository,
  type OfferStatus,
  type Page,
  type PageRequest,
  type Queue,
  type QueueRepository,
  type RoutingDecision,
  type RoutingDecisionRepository,
  type QueueAging,
  type WorkItem,
  type SettledQueue,
  type WorkItemRepository,
} from '@switchboard/core';
import { IsNull, LessThanOrEqual, type EntityManager, type Repository } from 'typeorm';
import {
  toAgent,
  toAgentRow,
  toAssignment,
  toAssignmentRow,
  toOffer,
  toOfferRow,
  toQueue,
  toQueueRow,
  toRoutingDecision,
  toRoutingDecisionRow,
  toWorkItem,
  toWorkItemRow,
} from '../mappers/routing.mapper.js';
import {
  AgentSchema,
  AssignmentSchema,
  OfferSchema,
  QueueSchema,
  RoutingDecisionSchema,
  WorkItemSchema,
  type AgentRow,
  type AssignmentRow,
  type OfferRow,
  type QueueRow,
  type RoutingDecisionRow,
  type WorkItemRow,
} from '../schemas/routing.schema.js';
import { bulkInsert } from './bulk-insert.js';
import { bulkUpdate } from './bulk-update.js';
import { pageSize, placeholders, readKeyset, toPage } from './keyset.js';
import { selectList } from './select-list.js';
import { updateRows } from './update-rows.js';

export class TypeormQueueRepository implements QueueRepository {
  private readonly rows: Repository<QueueRow>;

  constructor(manager: EntityManager) {
    this.rows = manager.getRepository(QueueSchema);
  }

  async insert(queue: Queue): Promise<void> {
    await this.rows.insert(toQueueRow(queue));
  }

  async get(id: string): Promise<Queue | null> {
    if (!isId(id)) return null;
    // On the ingest path when routing rules name queues: a plain statement, read with the batch's others.
    const [row] = await this.rows.manager.query<QueueRow[]>(`SELECT ${selectList(this.rows.manager, QueueSchema)} FROM queues WHERE id = $1 LIMIT 1`, [id]);
    return row ? toQueue(row) : null;
  }

  async getByName(name: string): Promise<Queue | null> {
    // On the ingest path for every batch: a plain statement rather than the query builder.
    const [row] = await this.rows.manager.query<QueueRow[]>(`SELECT ${selectList(this.rows.manager, QueueSchema)} FROM queues WHERE name = $1 LIMIT 1`, [name]);
    return row ? toQueue(row) : null;
  }

  async list(page: PageRequest): Promise<Page<Queue>> {
    const size = pageSize(page.limit);
    const query = this.rows.createQueryBuilder('q');
    if (page.cursor !== undefined) {
      const after = readKeyset(page.cursor, ['text']);
      query.where('(q.name, q.id) > (:afterName, :afterId)', { afterName: after.keys[0], afterId: after.id });
    }
    const rows = await query.orderBy('q.name', 'ASC').addOrderBy('q.id', 'ASC').limit(size + 1).getMany();
    return toPage(rows, size, toQueue, (r) => ({ keys: [r.name], id: r.id }));
  }

  async update(queue: Queue): Promise<void> {
    const { id, ...changes } = toQueueRow(queue);
    await updateRows(this.rows, { id }, changes);
  }

  async delete(id: string): Promise<void> {
    if (!isId(id)) return;
    await this.rows.delete({ id });
  }
}

export class TypeormAgentRepository implements AgentRepository {
  private readonly rows: Repository<AgentRow>;

  constructor(manager: EntityManager) {
    this.rows = manager.getRepository(AgentSchema);
  }

  async insert(agent: Agent): Promise<void> {
    await this.rows.insert(toAgentRow(agent));
  }

  async get(id: string): Promise<Agent | null> {
    if (!isId(id)) return null;
    const row = await this.rows.findOneBy({ id });
    return row ? toAgent(row) : null;
  }

  async getMany(ids: readonly string[]): Promise<Agent[]> {
    const valid = [...new Set(ids.filter(isId))];
    if (valid.length === 0) return [];
    // A routing pass re-reads its chosen agents with their locks: a plain statement, read with the others.
    const rows = await this.rows.manager.query<AgentRow[]>(`SELECT ${selectList(this.rows.manager, AgentSchema)} FROM agents WHERE id IN (${placeholders(valid.length)})`, valid);
    return rows.map(toAgent);
  }

  async list(page: PageRequest): Promise<Page<Agent>> {
    const size = pageSize(page.limit);
    const query = this.rows.createQueryBuilder('a');
    if (page.cursor !== undefined) {
      const after = readKeyset(page.cursor, ['text']);
      query.where('(a.name, a.id) > (:afterName, :afterId)', { afterName: after.keys[0], afterId: after.id });
    }
    const rows = await query.orderBy('a.name', 'ASC').addOrderBy('a.id', 'ASC').limit(size + 1).getMany();
    return toPage(rows, size, toAgent, (r) => ({ keys: [r.name], id: r.id }));
  }

  async listByPresence(presence: Agent['presence'], filter: AgentFilter = {}): Promise<Agent[]> {
    // Every routing pass reads them: a plain statement rather than the query builder and hydration.
    const params: unknown[] = [presence];
    let where = 'presence = $1';
    if (filter.skilledFor !== undefined) {
      // Some set of which no skill is missing or below its level (hasSkills: a missing skill is level 0).
      params.push(JSON.stringify(filter.skilledFor));
      where += ` AND EXISTS (SELECT 1 FROM jsonb_array_elements($${params.length}::jsonb) AS wanted(skills)
        WHERE NOT EXISTS (SELECT 1 FROM jsonb_each_text(wanted.skills) AS need(skill, level)
          WHERE COALESCE((agents.skills ->> need.skill)::numeric, 0) < need.level::numeric))`;
    }
    let limit = '';
    if (filter.limit !== undefined) {
      params.push(Math.max(0, Math.floor(filter.limit)));
      limit = ` LIMIT $${params.length}`;
    }
    const rows = await this.rows.manager.query<AgentRow[]>(`SELECT ${selectList(this.rows.manager, AgentSchema)} FROM agents WHERE ${where} ORDER BY name ASC, id ASC${limit}`, params);
    return rows.map(toAgent);
  }

  async update(agent: Agent): Promise<void> {
    const { id, ...changes } = toAgentRow(agent);
    await updateRows(this.rows, { id }, changes);
  }

  async updateMany(agents: readonly Agent[]): Promise<void> {
    await bulkUpdate(this.rows.manager, AgentSchema, 'id', agents.filter((a) => isId(a.id)).map(toAgentRow));
  }
}

export class TypeormWorkItemRepository implements WorkItemRepository {
  private readonly rows: Repository<WorkItemRow>;

  constructor(private readonly manager: EntityManager) {
    this.rows = manager.getRepository(WorkItemSchema);
  }

  async insert(item: WorkItem): Promise<void> {
    await this.rows.insert(toWorkItemRow(item));
  }

  async insertMany(items: readonly WorkItem[]): Promise<void> {
    await bulkInsert(this.manager, WorkItemSchema, items.map(toWorkItemRow));
  }

  async get(conversationId: string): Promise<WorkItem | null> {
    if (!isId(conversationId)) return null;
    const row = await this.rows.findOneBy({ conversationId });
    return row ? toWorkItem(row) : null;
  }

  async getMany(conversationIds: readonly string[]): Promise<WorkItem[]> {
    const valid = [...new Set(conversationIds.filter(isId))];
    if (valid.length === 0) return [];
    const rows = await this.manager.query<WorkItemRow[]>(
      `SELECT ${selectList(this.manager, WorkItemSchema)} FROM work_items WHERE conversation_id IN (${placeholders(valid.length)})`,
      valid,
    );
    return rows.map(toWorkItem);
  }

  async update(item: WorkItem): Promise<void> {
    const { conversationId, ...changes } = toWorkItemRow(item);
    await updateRows(this.rows, { conversationId }, changes);
  }

  async updateMany(items: readonly WorkItem[]): Promise<void> {
    await bulkUpdate(this.manager, WorkItemSchema, 'conversationId', items.filter((w) => isId(w.conversationId)).map(toWorkItemRow));
  }

  async delete(conversationId: string): Promise<void> {
    if (!isId(conversationId)) return;
    await this.rows.delete({ conversationId });
  }

  async listWaiting(queueId: string, limit: number, order?: { now: Date; aging: QueueAging | null }): Promise<WorkItem[]> {
    if (!isId(queueId)) return [];
    if (order?.aging) {
      // Effective priority as effectivePriority() computes it: one step per everySeconds waited, capped.
      const rows = await this.rows
        .createQueryBuilder('w')
        .addSelect(
          `w.priority + LEAST(:maxBoost, GREATEST(0, floor(extract(epoch FROM (CAST(:now AS timestamptz) - w.enqueued_at)) / :every)))`,
          'effective',
        )
        .where('w.queue_id = :queueId AND w.state = :state', { queueId, state: 'waiting' })
        .setParameters({ now: order.now.toISOString(), every: order.aging.everySeconds, maxBoost: order.aging.maxBoost })
        .orderBy('effective', 'DESC')
        .addOrderBy('w.enqueued_at', 'ASC')
        .addOrderBy('w.conversation_id', 'ASC')
        .limit(pageSize(limit))
        .getMany();
      return rows.map(toWorkItem);
    }
    const rows = await this.rows.find({
      where: { queueId, state: 'waiting' },
      order: { priority: 'DESC', enqueuedAt: 'ASC', conversationId: 'ASC' },
      take: pageSize(limit),
    });
    return rows.map(toWorkItem);
  }

  async lockFirstSettled(queues: readonly SettledQueue[], depth: number, at: { now: Date; settledBefore: Date; except?: readonly string[] }): Promise<string | null> {
    // $1 the lock key's prefix (lockKeys.conversation, so the key is the one session.lock takes), $2
    // each queue's depth, $3 settledBefore, $4 now, $5 the conversations not to take; then each
    // queue's id, and its aging if it has one.
    const except = (at.except ?? []).filter(isId);
    const params: unknown[] = [lockKeys.conversation(''), pageSize(depth), at.settledBefore.toISOString(), at.now.toISOString(), except];
    const heads = queues
      .filter((queue) => isId(queue.id))
      .map(({ id, aging }) => {
        params.push(id);
        const queueParam = `$${params.length}`;
        let effective = 'priority';
        if (aging) {
          params.push(aging.maxBoost, aging.everySeconds);
          effective = `priority + LEAST($${params.length - 1}::int, GREATEST(0, floor(extract(epoch FROM ($4::timestamptz - enqueued_at)) / $${params.length}::int)))::int`;
        }
        // Each head in listWaiting's order (the index's, bar aging), settled items only.
        return `(SELECT conversation_id, ${effective} AS effective, enqueued_at FROM work_items
          WHERE queue_id = ${queueParam}::uuid AND state = 'waiting' AND (enqueued_at < $3::timestamptz OR reasons <> '[]'::jsonb)
          ORDER BY ${aging ? 'effective' : 'priority'} DESC, enqueued_at ASC, conversation_id ASC LIMIT $2)`;
      });
    if (heads.length === 0) return null;
    // The merged heads are sorted below the lock's filter, and LIMIT stops at the first lock taken:
    // the try (volatile) is never pushed into the sorted subquery, so no item after it is tried.
    const rows = await this.manager.query<{ id: string }[]>(
      `SELECT s.conversation_id::text AS id FROM (
         SELECT conversation_id, effective, enqueued_at FROM (${heads.join(' UNION ALL ')}) AS heads
          ORDER BY effective DESC, enqueued_at ASC, conversation_id ASC) AS s
        WHERE s.conversation_id <> ALL($5::uuid[]) AND pg_try_advisory_xact_lock(hashtextextended($1 || s.conversation_id::text, 0)) LIMIT 1`,
      params,
    );
    return rows[0]?.id ?? null;
  }

  async queuesWithWaiting(): Promise<string[]> {
    // A skip scan: one index probe per distinct queue. DISTINCT would read the whole backlog, and the
    // sweeper asks this every few seconds.
    const rows = await this.manager.query<{ queue_id: string }[]>(
      `WITH RECURSIVE q AS (
         (SELECT queue_id FROM work_items WHERE state = 'waiting' ORDER BY queue_id LIMIT 1)
         UNION ALL
         SELECT (SELECT w.queue_id FROM work_items w WHERE w.state = 'waiting' AND w.queue_id > q.queue_id ORDER BY w.queue_id LIMIT 1)
           FROM q WHERE q.queue_id IS NOT NULL
       )
       SELECT queue_id FROM q WHERE queue_id IS NOT NULL`,
    );
    return rows.map((r) => r.queue_id);
  }

  async countByQueue(queueId: string): Promise<{ waiting: number; offered: number; oldestEnqueuedAt: Date | null }> {
    if (!isId(queueId)) return { waiting: 0, offered: 0, oldestEnqueuedAt: null };
    // ::int because pg hands bigint counts back as strings
    const [row] = await this.manager.query<{ waiting: number; offered: number; oldest: Date | null }[]>(
      `SELECT count(*) FILTER (WHERE state = 'waiting')::int AS waiting,
              count(*) FILTER (WHERE state = 'offered')::int AS offered,
              min(enqueued_at) AS oldest
         FROM work_items WHERE queue_id = $1`,
      [queueId],
    );
    return { waiting: row?.waiting ?? 0, offered: row?.offered ?? 0, oldestEnqueuedAt: row?.oldest ?? null };
  }
}

export class TypeormOfferRepository implements OfferRepository {
  private readonly rows: Repository<OfferRow>;

  constructor(manager: EntityManager) {
    this.rows = manager.getRepository(OfferSchema);
  }

  async insert(offer: Offer): Promise<void> {
    await this.rows.insert(toOfferRow(offer));
  }

  async insertMany(offers: readonly Offer[]): Promise<void> {
    if (offers.length === 0) return;
    await bulkInsert(this.rows.manager, OfferSchema, offers.map(toOfferRow));
  }

  async get(id: string): Promise<Offer | null> {
    if (!isId(id)) return null;
    const row = await this.rows.findOneBy({ id });
    return row ? toOffer(row) : null;
  }

  async update(offer: Offer): Promise<void> {
    const { id, ...changes } = toOfferRow(offer);
    await updateRows(this.rows, { id }, changes);
  }

  async listByAgent(agentId: string, status: OfferStatus | undefined, page: PageRequest): Promise<Page<Offer>> {
    const size = pageSize(page.limit);
    const after = page.cursor === undefined ? null : readKeyset(page.cursor, ['date']);
    if (!isId(agentId)) return { items: [], nextCursor: null };
    const query = this.rows.createQueryBuilder('o').where('o.agentId = :agentId', { agentId });
    if (status !== undefined) query.andWhere('o.status = :status', { status });
    if (after !== null) query.andWhere('(o.createdAt, o.id) < (:afterCreatedAt, :afterId)', { afterCreatedAt: after.keys[0], afterId: after.id });
    const rows = await query.orderBy('o.createdAt', 'DESC').addOrderBy('o.id', 'DESC').limit(size + 1).getMany();
    return toPage(rows, size, toOffer, (r) => ({ keys: [r.createdAt], id: r.id }));
  }

  async listPendingByConversation(conversationId: string): Promise<Offer[]> {
    if (!isId(conversationId)) return [];
    const rows = await this.rows.find({ where: { conversationId, status: 'pending' }, order: { createdAt: 'ASC', id: 'ASC' } });
    return rows.map(toOffer);
  }

  async listExpired(now: Date, limit: number): Promise<Offer[]> {
    const rows = await this.rows.find({
      where: { status: 'pending', expiresAt: LessThanOrEqual(now) },
      order: { expiresAt: 'ASC', id: 'ASC' },
      take: pageSize(limit),
    });
    return rows.map(toOffer);
  }
}

export class TypeormAssignmentRepository implements AssignmentRepository {
  private readonly rows: Repository<AssignmentRow>;

  constructor(private readonly manager: EntityManager) {
    this.rows = manager.getRepository(AssignmentSchema);
  }

  async insert(assignment: Assignment): Promise<void> {
    await this.rows.insert(toAssignmentRow(assignment));
  }

  async activeByConversation(conversationId: string): Promise<Assignment | null> {
    if (!isId(conversationId)) return null;
    const row = await this.rows.findOne({
      where: { conversationId, endedAt: IsNull() },
      order: { startedAt: 'DESC', id: 'DESC' },
    });
    return row ? toAssignment(row) : null;
  }

  async update(assignment: Assignment): Promise<void> {
    const { id, ...changes } = toAssignmentRow(assignment);
    await updateRows(this.rows, { id }, changes);
  }

  async countActiveByQueue(queueId: string): Promise<number> {
    if (!isId(queueId)) return 0;
    return this.rows.countBy({ queueId, endedAt: IsNull() });
  }

  async loads(agentIds: readonly string[]): Promise<Map<string, AgentLoad>> {
    const loads = new Map<string, AgentLoad>(agentIds.map((id) => [id, emptyLoad()]));
    const ids = [...loads.keys()].filter(isId);
    if (ids.length === 0) return loads;
    const rows = await this.manager.query<{ agent_id: string; channel: string; units: number; items: number }[]>(
      `SELECT agent_id, channel, sum(cost)::int AS units, count(*)::int AS items
         FROM (SELECT agent_id, channel, cost FROM offers WHERE status = 'pending' AND agent_id IN (${placeholders(ids.length)})
               UNION ALL
               SELECT agent_id, channel, cost FROM assignments WHERE ended_at IS NULL AND agent_id IN (${placeholders(ids.length)})
              ) AS plate
        GROUP BY agent_id, channel`,
      ids,
    );
    for (const row of rows) {
      const load = loads.get(row.agent_id);
      if (load === undefined) continue;
      load.units += row.units;
      load.perChannel[row.channel] = (load.perChannel[row.channel] ?? 0) + row.items;
    }
    return loads;
  }
}

export class TypeormRoutingDecisionRepository implements RoutingDecisionRepository {
  private readonly rows: Repository<RoutingDecisionRow>;

  constructor(private readonly manager: EntityManager) {
    this.rows = manager.getRepository(RoutingDecisionSchema);
  }

  async insert(decision: RoutingDecision): Promise<void> {
    await this.rows.insert(toRoutingDecisionRow(decision));
  }

  async insertMany(decisions: readonly RoutingDecision[]): Promise<void> {
    if (decisions.length === 0) return;
    await bulkInsert(this.manager, RoutingDecisionSchema, decisions.map(toRoutingDecisionRow));
  }

  async listByConversation(conversationId: string): Promise<RoutingDecision[]> {
    if (!isId(conversationId)) return [];
    const rows = await this.rows.find({ where: { conversationId }, order: { at: 'ASC', id: 'ASC' } });
    return rows.map(toRoutingDecision);
  }
}
