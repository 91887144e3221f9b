import {
  isId,
  type Customer,
  type CustomerRepository,
  type Identity,
  type IdentityKey,
  type IdentityRepository,
} from '@switchboard/core';
import { In, type EntityManager, type Repository } from 'typeorm';
import { bulkInsert } from './bulk-insert.js';
import { toCustomer, toCustomerRow, toIdentity, toIdentityRow } from '../mappers/identity.mapper.js';
import { CustomerSchema, IdentitySchema, type CustomerRow, type IdentityRow } from '../schemas/identity.schema.js';
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
}

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
}
