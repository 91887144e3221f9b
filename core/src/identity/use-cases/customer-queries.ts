import { notFound } from '../../shared/domain-error.js';
import type { Transactions } from '../../shared/ports/transactions.port.js';
import type { CustomerView } from '../customer.entity.js';
import { parseIdentity } from '../identity.value-object.js';
import type { CustomerLookup } from '../ports/customer-lookup.port.js';
import type { IdentitySession } from '../ports/identity-store.port.js';
import { survivorOf } from './resolve-customers.use-case.js';

/** Reads of customers: no writes, no transactions. */
export class CustomerQueries implements CustomerLookup {
  constructor(private readonly store: Transactions<IdentitySession>) {}

  /** A customer with its identities; a merged customer answers as it is, with `mergedInto` set. */
  async customer(id: string): Promise<CustomerView> {
    return this.store.read(async (session) => {
      const customer = await session.customers.get(id);
      if (!customer) throw notFound('CUSTOMER.NOT_FOUND', `customer ${id} does not exist`);
      return { ...customer, identities: await session.identities.listByCustomer(id) };
    });
  }

  /** The customer owning an identity (`kind:value`, normalised first), following merges to the survivor. */
  async customersByIdentity(written: string): Promise<CustomerView[]> {
    const key = parseIdentity(written, 'identity');
    return this.store.read(async (session) => {
      const identity = await session.identities.find(key);
      if (!identity) return [];
      const customer = await survivorOf(session, await session.customers.get(identity.customerId));
      return customer ? [{ ...customer, identities: await session.identities.listByCustomer(customer.id) }] : [];
    });
  }
}
