import {
  isId,
  type Customer,
  type CustomerMerge,
  type CustomerMergeRepository,
  type CustomerRepository,
  type CustomerView,
  type Identity,
  type IdentityKey,
  type IdentityRepository,
  type MergeSuggestion,
  type MergeSuggestionFilter,
  type MergeSuggestionRepository,
  type Page,
  type PageRequest,
} from '@switchboard/core';
import { In, type EntityManager, type Repository } from 'typeorm';
import { bulkInsert } from './bulk-insert.js';
import { bulkUpdate } from './bulk-update.js';
import { toCustomer, toCustomerMerge, toCustomerMergeRow, toCustomerRow, toIdentity, toIdentityRow, toMergeSuggestion, toMergeSuggestionRow } from '../mappers/identity.mapper.js';
import {
  CustomerMergeSchema,
  CustomerSchema,
  IdentitySchema,
  MergeSuggestionSchema,
  type CustomerMergeRow,
  type CustomerRow,
  type IdentityRow,
  type MergeSuggestionRow,
} from '../schemas/identity.schema.js';
import { pageSize, readKeyset, toPage } from './keyset.js';
import { updateRows } from './update-rows.js';

export class TypeormCustomerRepository implements CustomerRepository {
  private readonly rows: Repository<CustomerRow>;

  constructor(manager: EntityManager) {
    this.rows = manager.getRepository(CustomerSchema);
  }

  async insert(customer: Customer): Promise<void> {
    await this.rows.insert(toCustomerRow(customer));
  }

  async get(id: string): Promise<Customer | null> {
    // a malformed id can name no row; asking Postgres would fail the whole transaction instead
    if (!isId(id)) return null;
    const row = await this.rows.findOneBy({ id });
    return row ? toCustomer(row) : null;
  }

  async update(customer: Customer): Promise<void> {
    const { id, ...changes } = toCustomerRow(customer);
    await updateRows(this.rows, { id }, changes);
  }

  async updateMany(customers: readonly Customer[]): Promise<void> {
    await bulkUpdate(this.rows.manager, CustomerSchema, 'id', customers.filter((c) => isId(c.id)).map(toCustomerRow));
  }

  async getMany(ids: readonly string[]): Promise<Customer[]> {
    const valid = ids.filter(isId);
    if (valid.length === 0) return [];
    return (await this.rows.findBy({ id: In(valid) })).map(toCustomer);
  }

  async insertMany(customers: readonly Customer[]): Promise<void> {
    await bulkInsert(this.rows.manager, CustomerSchema, customers.map(toCustomerRow));
  }

  async familyOf(id: string): Promise<string[]> {
    if (!isId(id)) return [];
    // UNION (not UNION ALL) drops ids already reached, so even a cycle of pointers ends;
    // ix_customers_merged_into serves each step.
    const rows = await this.rows.manager.query<{ id: string }[]>(
      `WITH RECURSIVE family(id) AS (
         SELECT id FROM customers WHERE id = $1
         UNION
         SELECT c.id FROM customers c JOIN family f ON c.merged_into = f.id
       ) SELECT id FROM family`,
      [id],
    );
    const others = rows.map((r) => r.id).filter((other) => other !== id).sort();
    return rows.length === 0 ? [] : [id, ...others];
  }

  async viewByIdentity(key: IdentityKey): Promise<CustomerView | null> {
    // One statement, one round trip, no planning: the function's query (the owner, merges
    // followed to the survivor, its identities) is planned once per connection (migration 1795550000000).
    const rows = await this.rows.manager.query<ViewRow[]>(
      `SELECT id, display_name AS "displayName", attributes, merged_into AS "mergedInto", created_at AS "createdAt", updated_at AS "updatedAt",
              identity_kind AS kind, identity_value AS value, identity_verified AS verified, identity_created_at AS "identityCreatedAt"
         FROM customer_view_by_identity($1, $2)`,
      [key.kind, key.value],
    );
    const [first] = rows;
    if (first === undefined) return null;
    return {
      ...toCustomer(first),
      identities: rows.flatMap((r) =>
        r.kind === null ? [] : [toIdentity({ kind: r.kind, value: r.value, customerId: r.id, verified: r.verified, createdAt: r.identityCreatedAt })],
      ),
    };
  }
}

type ViewRow = CustomerRow & ({ kind: IdentityRow['kind']; value: string; verified: boolean; identityCreatedAt: Date } | { kind: null; value: null; verified: null; identityCreatedAt: null });

export class TypeormIdentityRepository implements IdentityRepository {
  private readonly rows: Repository<IdentityRow>;

  constructor(manager: EntityManager) {
    this.rows = manager.getRepository(IdentitySchema);
  }

  async insert(identity: Identity): Promise<void> {
    await this.rows.insert(toIdentityRow(identity));
  }

  async find(key: IdentityKey): Promise<Identity | null> {
    const row = await this.rows.findOneBy({ kind: key.kind, value: key.value });
    return row ? toIdentity(row) : null;
  }

  async listByCustomer(customerId: string): Promise<Identity[]> {
    if (!isId(customerId)) return [];
    const rows = await this.rows.find({ where: { customerId }, order: { createdAt: 'ASC', kind: 'ASC', value: 'ASC' } });
    return rows.map(toIdentity);
  }

  async findMany(keys: readonly IdentityKey[]): Promise<Identity[]> {
    if (keys.length === 0) return [];
    // One primary-key probe per key. LIMIT 1 (a key names one row) keeps the planner from flattening
    // the LATERAL into a hash join over a scan of the whole table, which it picks whenever the
    // table's statistics lag behind its growth.
    const rows = await this.rows.manager.query<IdentityRow[]>(
      `SELECT i.kind, i.value, i.customer_id AS "customerId", i.verified, i.created_at AS "createdAt"
         FROM unnest($1::text[], $2::text[]) AS k(kind, value)
         CROSS JOIN LATERAL (SELECT * FROM identities WHERE kind = k.kind AND value = k.value LIMIT 1) AS i`,
      [keys.map((k) => k.kind), keys.map((k) => k.value)],
    );
    return rows.map(toIdentity);
  }

  async insertMany(identities: readonly Identity[]): Promise<void> {
    await bulkInsert(this.rows.manager, IdentitySchema, identities.map(toIdentityRow));
  }

  async removeMany(keys: readonly IdentityKey[]): Promise<void> {
    if (keys.length === 0) return;
    await this.rows.manager.query('DELETE FROM identities WHERE (kind, value) IN (SELECT * FROM unnest($1::text[], $2::text[]))', [
      keys.map((k) => k.kind),
      keys.map((k) => k.value),
    ]);
  }

  async remove(key: IdentityKey): Promise<boolean> {
    // Wrapped in a SELECT: the driver answers a bare DELETE with [rows, count], not the rows.
    const [deleted] = await this.rows.manager.query<{ n: number }[]>(
      'WITH d AS (DELETE FROM identities WHERE kind = $1 AND value = $2 RETURNING 1) SELECT count(*)::int AS n FROM d',
      [key.kind, key.value],
    );
    return (deleted?.n ?? 0) > 0;
  }

  async reassign(keys: readonly IdentityKey[], customerId: string): Promise<void> {
    if (keys.length === 0) return;
    await this.rows.manager.query(
      `UPDATE identities i SET customer_id = $3 FROM unnest($1::text[], $2::text[]) AS k(kind, value) WHERE i.kind = k.kind AND i.value = k.value`,
      [keys.map((k) => k.kind), keys.map((k) => k.value), customerId],
    );
  }
}

export class TypeormMergeSuggestionRepository implements MergeSuggestionRepository {
  private readonly rows: Repository<MergeSuggestionRow>;

  constructor(manager: EntityManager) {
    this.rows = manager.getRepository(MergeSuggestionSchema);
  }

  async addPending(suggestions: readonly MergeSuggestion[]): Promise<MergeSuggestion[]> {
    const added: MergeSuggestion[] = [];
    // One at a time: ON CONFLICT against the partial unique index skips a pair already pending,
    // including one an earlier suggestion of this call made pending.
    for (const suggestion of suggestions) {
      const row = toMergeSuggestionRow(suggestion);
      const inserted = await this.rows.manager.query<{ id: string }[]>(
        `INSERT INTO merge_suggestions (id, customer_id, other_customer_id, identity_kind, identity_value, interaction_id, status, created_at, decided_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT ((LEAST(customer_id, other_customer_id)), (GREATEST(customer_id, other_customer_id))) WHERE status = 'pending' DO NOTHING
         RETURNING id`,
        [row.id, row.customerId, row.otherCustomerId, row.identityKind, row.identityValue, row.interactionId, row.status, row.createdAt, row.decidedAt],
      );
      if (inserted.length > 0) added.push(suggestion);
    }
    return added;
  }

  async get(id: string): Promise<MergeSuggestion | null> {
    if (!isId(id)) return null;
    const row = await this.rows.findOneBy({ id });
    return row ? toMergeSuggestion(row) : null;
  }

  async update(suggestion: MergeSuggestion): Promise<void> {
    const { id, ...changes } = toMergeSuggestionRow(suggestion);
    await updateRows(this.rows, { id }, changes);
  }

  async list(filter: MergeSuggestionFilter, page: PageRequest): Promise<Page<MergeSuggestion>> {
    const size = pageSize(page.limit);
    const query = this.rows.createQueryBuilder('s');
    if (filter.status !== undefined) query.andWhere('s.status = :status', { status: filter.status });
    if (filter.customerId !== undefined) {
      if (!isId(filter.customerId)) return { items: [], nextCursor: null };
      query.andWhere('(s.customerId = :customerId OR s.otherCustomerId = :customerId)', { customerId: filter.customerId });
    }
    if (page.cursor !== undefined) {
      const after = readKeyset(page.cursor, ['date']);
      query.andWhere('(s.createdAt, s.id) < (:afterCreatedAt, :afterId)', { afterCreatedAt: after.keys[0], afterId: after.id });
    }
    const rows = await query.orderBy('s.createdAt', 'DESC').addOrderBy('s.id', 'DESC').limit(size + 1).getMany();
    return toPage(rows, size, toMergeSuggestion, (r) => ({ keys: [r.createdAt], id: r.id }));
  }

  async removeFor(customerIds: readonly string[]): Promise<number> {
    const ids = customerIds.filter(isId);
    if (ids.length === 0) return 0;
    // Wrapped in a SELECT: the driver answers a bare DELETE with [rows, count], not the rows.
    const [deleted] = await this.rows.manager.query<{ n: number }[]>(
      'WITH d AS (DELETE FROM merge_suggestions WHERE customer_id = ANY($1::uuid[]) OR other_customer_id = ANY($1::uuid[]) RETURNING 1) SELECT count(*)::int AS n FROM d',
      [ids],
    );
    return deleted?.n ?? 0;
  }
}

export class TypeormCustomerMergeRepository implements CustomerMergeRepository {
  private readonly rows: Repository<CustomerMergeRow>;

  constructor(manager: EntityManager) {
    this.rows = manager.getRepository(CustomerMergeSchema);
  }

  async insert(merge: CustomerMerge): Promise<void> {
    await bulkInsert(this.rows.manager, CustomerMergeSchema, [toCustomerMergeRow(merge)]);
  }

  async get(id: string): Promise<CustomerMerge | null> {
    if (!isId(id)) return null;
    const row = await this.rows.findOneBy({ id });
    return row ? toCustomerMerge(row) : null;
  }

  async update(merge: CustomerMerge): Promise<void> {
    // What a merge moved is fixed when it is made; only its undoing is recorded later.
    await this.rows.manager.query('UPDATE customer_merges SET undone_at = $2 WHERE id = $1', [merge.id, merge.undoneAt]);
  }

  async findActive(survivorId: string, mergedId: string): Promise<CustomerMerge | null> {
    if (!isId(survivorId) || !isId(mergedId)) return null;
    const row = await this.rows
      .createQueryBuilder('m')
      .where('m.survivorId = :survivorId AND m.mergedId = :mergedId AND m.undoneAt IS NULL', { survivorId, mergedId })
      .orderBy('m.createdAt', 'DESC')
      .getOne();
    return row ? toCustomerMerge(row) : null;
  }

  async scrubFor(customerIds: readonly string[], at: Date): Promise<number> {
    const ids = customerIds.filter(isId);
    if (ids.length === 0) return 0;
    const [scrubbed] = await this.rows.manager.query<{ n: number }[]>(
      `WITH u AS (
         UPDATE customer_merges SET identities = '[]'::jsonb, attributes = '[]'::jsonb, display_name_before = NULL, undone_at = COALESCE(undone_at, $2)
          WHERE survivor_id = ANY($1::uuid[]) OR merged_id = ANY($1::uuid[]) RETURNING 1)
       SELECT count(*)::int AS n FROM u`,
      [ids, at],
    );
    return scrubbed?.n ?? 0;
  }
}
