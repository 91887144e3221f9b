import type { IdentitySession } from '../ports/identity-store.port.js';

/**
 * The customer and every customer merged into it, directly or through others: whose entries and
 * conversations are this customer's in reads (timeline, customer 360, search, export). Ledger rows
 * keep the customer id they were written with, so reads ask for all of these ids. The customer
 * itself comes first; a cycle of pointers (which merge never makes) cannot loop.
 */
export const customerAndMerged = async (session: Pick<IdentitySession, 'customers'>, customerId: string): Promise<string[]> => {
  const family = [customerId];
  const seen = new Set(family);
  let frontier = family;
  while (frontier.length > 0) {
    const merged = (await session.customers.listMergedInto(frontier)).map((c) => c.id).filter((id) => !seen.has(id));
    for (const id of merged) seen.add(id);
    family.push(...merged);
    frontier = merged;
  }
  return family;
};
