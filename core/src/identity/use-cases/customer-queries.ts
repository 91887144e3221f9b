import { invalidCursor, type Page, type PageRequest } from '../../shared/page.js';
import type { Transactions } from '../../shared/ports/transactions.port.js';
import type { CustomerView } from '../customer.entity.js';
import { identityErrors } from '../identity.errors.js';
import { parseIdentity, type NormaliseOptions } from '../identity.value-object.js';
import type { CustomerLookup } from '../ports/customer-lookup.port.js';
import type { IdentitySession } from '../ports/identity-store.port.js';

/** Reads of customers: no writes, no transactions. */
export class CustomerQueries implements CustomerLookup {
  constructor(
    private readonly store: Transactions<IdentitySession>,
    private readonly normalise: NormaliseOptions = {},
  ) {}

  /** A customer with its identities; a merged customer answers as it is, with `mergedInto` set. */
  async customer(id: string): Promise<CustomerView> {
    return this.store.read(async (session) => {
      const customer = await session.customers.get(id);
      if (!customer) throw identityErrors.customerNotFound(id);
      return { ...customer, identities: await session.identities.listByCustomer(id) };
    });
  }

  /** The customer owning an identity (`kind:value`, normalised first), following merges to the survivor. */
  async customersByIdentity(written: string): Promise<CustomerView[]> {
    const key = parseIdentity(written, 'identity', this.normalise);
    // One read (a single query on PostgreSQL): the lookup a desk or CRM makes on every contact.
    const customer = await this.store.read((session) => session.customers.viewByIdentity(key));
    return customer ? [customer] : [];
  }

  /** `customersByIdentity` as a list page: an identity names at most one customer, so no page follows the first and no cursor is valid. */
  async customersByIdentityPage(written: string, page: PageRequest): Promise<Page<CustomerView>> {
    if (page.cursor !== undefined) throw invalidCursor();
    return { items: await this.customersByIdentity(written), nextCursor: null };
  }
}
