import type { IdentitySession } from '../ports/identity-store.port.js';

/**
 * The customer and every customer merged into it, directly or through others: whose entries and
 * conversations are this customer's in reads (timeline, customer 360, search, export, erasure).
 * Ledger rows keep the customer id they were written with, so reads ask for all of these ids.
 * The customer itself comes first; empty when there is no such customer. A cycle of pointers
 * (which merge never makes) cannot loop. The one place that knows how merges are recorded.
 */
export const customerAndMerged = async (session: Pick<IdentitySession, 'customers'>, customerId: string): Promise<string[]> =>
  session.customers.familyOf(customerId);
