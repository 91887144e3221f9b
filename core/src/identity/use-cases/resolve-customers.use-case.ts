import type { SessionLocks } from '../../shared/ports/transactions.port.js';
import { lockKeys } from '../../shared/lock-keys.js';
import { newId } from '../../shared/ids.js';
import type { Customer, Identity } from '../customer.entity.js';
import type { IdentityKey } from '../identity.value-object.js';
import type { IdentitySession } from '../ports/identity-store.port.js';

/** Someone a message came from: the identity it came from, and any more it says they have. */
export interface Sender {
  key: IdentityKey;
  name?: string | undefined;
  also?: readonly IdentityKey[] | undefined;
}

export const identityKeyOf = (key: Pick<IdentityKey, 'kind' | 'value'>): string => `${key.kind}:${key.value}`;

/** Every identity key a set of senders names, without repeats: the keys to lock and read. */
export const identityKeysOf = (senders: readonly Sender[]): IdentityKey[] => [
  ...new Map(senders.flatMap((s) => [s.key, ...(s.also ?? [])]).map((k) => [identityKeyOf(k), k])).values(),
];

/** Follows merge pointers to the surviving customer (a merged customer's identities move to the survivor). */
export const survivorOf = async (session: Pick<IdentitySession, 'customers'>, customer: Customer | null): Promise<Customer | null> => {
  let current = customer;
  const seen = new Set<string>();
  while (current?.mergedInto && !seen.has(current.id)) {
    seen.add(current.id);
    current = (await session.customers.getMany([current.mergedInto]))[0] ?? null;
  }
  return current;
};

export interface ResolvedCustomers {
  /** Sender identity (`kind:value`) → its customer. */
  customerOf: Map<string, Customer>;
  /** Ids of the customers made here: they have no conversation yet. */
  created: Set<string>;
}

/**
 * Finds or creates the customer of every sender, and links the further identities a message names
 * to the sender's customer when nobody holds them yet. The caller holds the identity locks of
 * `identityKeysOf(senders)` and read `identities` under them; the customers found are locked here.
 */
export const resolveCustomers = async (
  session: IdentitySession & SessionLocks,
  senders: readonly Sender[],
  identities: readonly Identity[],
  now: Date,
): Promise<ResolvedCustomers> => {
  const ownerOf = new Map(identities.map((i) => [identityKeyOf(i), i.customerId]));
  const owners = [...new Set(senders.map((s) => ownerOf.get(identityKeyOf(s.key))).filter((id) => id !== undefined))];
  const found = new Map((owners.length > 0 ? await session.customers.getMany(owners) : []).map((c) => [c.id, c]));
  const customers = new Map<string, Customer>();
  for (const [id, customer] of found) {
    const survivor = await survivorOf(session, customer);
    if (survivor) customers.set(id, survivor);
  }
  await session.lockAll([...new Set([...customers.values()].map((c) => c.id))].map(lockKeys.customer));

  const customerOf = new Map<string, Customer>();
  const newCustomers: Customer[] = [];
  const newIdentities: Identity[] = [];
  const linked = new Set(ownerOf.keys());
  for (const sender of senders) {
    const key = identityKeyOf(sender.key);
    if (customerOf.has(key)) continue;
    const owner = ownerOf.get(key);
    let customer = owner === undefined ? undefined : customers.get(owner);
    if (customer) {
      if (!customer.displayName && sender.name) {
        customer = { ...customer, displayName: sender.name, updatedAt: now };
        customers.set(owner!, customer);
        await session.customers.update(customer);
      }
    } else {
      customer = { id: newId(), displayName: sender.name ?? null, attributes: {}, mergedInto: null, createdAt: now, updatedAt: now };
      newCustomers.push(customer);
      newIdentities.push({ ...sender.key, customerId: customer.id, verified: false, createdAt: now });
      linked.add(key);
    }
    customerOf.set(key, customer);
  }
  // Identities a message names besides its sender: linked when free, never taken from another customer.
  for (const sender of senders) {
    const customer = customerOf.get(identityKeyOf(sender.key))!;
    for (const also of sender.also ?? []) {
      if (linked.has(identityKeyOf(also))) continue;
      linked.add(identityKeyOf(also));
      newIdentities.push({ ...also, customerId: customer.id, verified: false, createdAt: now });
    }
  }
  if (newCustomers.length > 0) await session.customers.insertMany(newCustomers);
  if (newIdentities.length > 0) await session.identities.insertMany(newIdentities);
  return { customerOf, created: new Set(newCustomers.map((c) => c.id)) };
};
