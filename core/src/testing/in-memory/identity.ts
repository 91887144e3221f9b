import type { Customer, Identity } from '../../identity/customer.entity.js';
import type { IdentityKey } from '../../identity/identity.value-object.js';
import type { CustomerRepository, IdentityRepository } from '../../identity/ports/identity-store.port.js';
import { asJson, byText, byTime, ConstraintError, copy, sortedCopies, validIds } from './rows.js';
import { pairKey, type Db } from './tables.js';

const stored = (customer: Customer): Customer => ({ ...copy(customer), attributes: asJson(customer.attributes) });

export class InMemoryCustomerRepository implements CustomerRepository {
  constructor(private readonly db: Db) {}

  async insert(customer: Customer): Promise<void> {
    await this.insertMany([customer]);
  }

  async get(id: string): Promise<Customer | null> {
    const row = this.db.customers.get(id);
    return row ? copy(row) : null;
  }

  async update(customer: Customer): Promise<void> {
    if (this.db.customers.has(customer.id)) this.db.customers.set(customer.id, stored(customer));
  }

  async getMany(ids: readonly string[]): Promise<Customer[]> {
    return validIds(ids).flatMap((id) => {
      const row = this.db.customers.get(id);
      return row ? [copy(row)] : [];
    });
  }

  async insertMany(customers: readonly Customer[]): Promise<void> {
    const ids = new Set<string>();
    for (const c of customers) {
      if (this.db.customers.has(c.id) || ids.has(c.id)) throw new ConstraintError('customers', c.id);
      ids.add(c.id);
    }
    for (const c of customers) this.db.customers.set(c.id, stored(c));
  }

  async familyOf(id: string): Promise<string[]> {
    if (!this.db.customers.has(id)) return [];
    const family = new Set([id]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const c of this.db.customers.values()) {
        if (c.mergedInto !== null && family.has(c.mergedInto) && !family.has(c.id)) {
          family.add(c.id);
          grew = true;
        }
      }
    }
    return [id, ...[...family].filter((other) => other !== id).sort(byText)];
  }
}

export class InMemoryIdentityRepository implements IdentityRepository {
  constructor(private readonly db: Db) {}

  async insert(identity: Identity): Promise<void> {
    await this.insertMany([identity]);
  }

  async find(key: IdentityKey): Promise<Identity | null> {
    const row = this.db.identities.get(pairKey(key.kind, key.value));
    return row ? copy(row) : null;
  }

  async listByCustomer(customerId: string): Promise<Identity[]> {
    return sortedCopies(
      this.db.identities.values().filter((i) => i.customerId === customerId),
      (a, b) => byTime(a.createdAt, b.createdAt) || byText(a.kind, b.kind) || byText(a.value, b.value),
    );
  }

  async findMany(keys: readonly IdentityKey[]): Promise<Identity[]> {
    return keys.flatMap((key) => {
      const row = this.db.identities.get(pairKey(key.kind, key.value));
      return row ? [copy(row)] : [];
    });
  }

  async insertMany(identities: readonly Identity[]): Promise<void> {
    const keys = new Set<string>();
    for (const i of identities) {
      const key = pairKey(i.kind, i.value);
      if (this.db.identities.has(key) || keys.has(key)) throw new ConstraintError('identities', `${i.kind}:${i.value}`);
      keys.add(key);
    }
    for (const i of identities) this.db.identities.set(pairKey(i.kind, i.value), { kind: i.kind, value: i.value, customerId: i.customerId, verified: i.verified, createdAt: new Date(i.createdAt) });
  }

  async removeMany(keys: readonly IdentityKey[]): Promise<void> {
    for (const key of keys) this.db.identities.delete(pairKey(key.kind, key.value));
  }
}
