import type { SessionLocks } from '../../shared/ports/transactions.port.js';
import { lockKeys } from '../../shared/lock-keys.js';
import { newId } from '../../shared/ids.js';
import type { Customer, Identity } from '../customer.entity.js';
import type { IdentityKey } from '../identity.value-object.js';
import type { IdentitySession } from '../ports/identity-store.port.js';
import { RESOLUTION_RULES, type ResolutionRule } from '../../shared/settings.js';

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
  /** Identities a message named that another customer holds: merge suggestions, never merged silently. */
  conflicts: MergeConflict[];
}

export interface MergeConflict {
  /** The sender (`kind:value`) whose message named the identity. */
  sender: string;
  /** The sender's customer. */
  customerId: string;
  /** The customer holding `identity`. */
  otherCustomerId: string;
  identity: IdentityKey;
}

/** Kinds whose normalised value names one person wherever it arrives: the `shared-contact` rule links by them. */
const CONTACT_KINDS: ReadonlySet<string> = new Set(['email', 'phone']);

/**
 * Finds or creates the customer of every sender, by the configured rules in order: `exact` (the
 * sender's own identity is known), then `shared-contact` (an email address or phone number the
 * message names is known: the sender's identity is linked to that customer). The further
 * identities a message names are linked to the sender's customer when nobody holds them yet; one
 * another customer holds stays there and is answered as a conflict. The caller holds the identity
 * locks of `identityKeysOf(senders)` and read `identities` under them; the customers found are
 * locked here.
 */
export const resolveCustomers = async (
  session: IdentitySession & SessionLocks,
  senders: readonly Sender[],
  identities: readonly Identity[],
  now: Date,
  rules: readonly ResolutionRule[] = RESOLUTION_RULES,
): Promise<ResolvedCustomers> => {
  const ownerOf = new Map(identities.map((i) => [identityKeyOf(i), i.customerId]));
  const owners = [...new Set(ownerOf.values())];
  const found = new Map((owners.length > 0 ? await session.customers.getMany(owners) : []).map((c) => [c.id, c]));
  // Owner id (as stored on the identity) → the surviving customer.
  const customers = new Map<string, Customer>();
  for (const [id, customer] of found) {
    const survivor = await survivorOf(session, customer);
    if (survivor) customers.set(id, survivor);
  }
  // Read again under the locks: a merge that committed meanwhile moved these customers' identities
  // and conversations to its survivor, which is then the one to lock and use.
  let toLock = new Set([...customers.values()].map((c) => c.id));
  const locked = new Set<string>();
  while (toLock.size > 0) {
    await session.lockAll([...toLock].map(lockKeys.customer));
    for (const id of toLock) locked.add(id);
    const fresh = new Map((await session.customers.getMany([...toLock])).map((c) => [c.id, c]));
    toLock = new Set();
    for (const [owner, customer] of customers) {
      const current = fresh.get(customer.id);
      if (!current?.mergedInto) {
        if (current) customers.set(owner, current);
        continue;
      }
      const survivor = await survivorOf(session, current);
      if (!survivor) continue;
      customers.set(owner, survivor);
      if (!locked.has(survivor.id)) toLock.add(survivor.id);
    }
  }
  const survivorOfKey = (key: string): Customer | undefined => {
    const owner = ownerOf.get(key);
    return owner === undefined ? undefined : customers.get(owner);
  };
  const sharedContact = rules.includes('shared-contact');

  const customerOf = new Map<string, Customer>();
  const newCustomers: Customer[] = [];
  const newIdentities: Identity[] = [];
  const link = (key: IdentityKey, customer: Customer) => {
    newIdentities.push({ kind: key.kind, value: key.value, customerId: customer.id, verified: false, createdAt: now });
    ownerOf.set(identityKeyOf(key), customer.id);
    customers.set(customer.id, customer);
  };
  for (const sender of senders) {
    const key = identityKeyOf(sender.key);
    if (customerOf.has(key)) continue;
    let customer = survivorOfKey(key);
    if (!customer && sharedContact) {
      // The same email address or phone number, given on another channel: the same person.
      const contact = (sender.also ?? []).find((k) => CONTACT_KINDS.has(k.kind) && survivorOfKey(identityKeyOf(k)));
      customer = contact && survivorOfKey(identityKeyOf(contact));
      if (customer) link(sender.key, customer);
    }
    if (customer) {
      if (!customer.displayName && sender.name) {
        customer = { ...customer, displayName: sender.name, updatedAt: now };
        for (const [id, c] of customers) if (c.id === customer.id) customers.set(id, customer);
        await session.customers.update(customer);
      }
    } else {
      customer = { id: newId(), displayName: sender.name ?? null, attributes: {}, mergedInto: null, createdAt: now, updatedAt: now };
      newCustomers.push(customer);
      link(sender.key, customer);
    }
    customerOf.set(key, customer);
  }
  // Identities a message names besides its sender: linked when free, never taken from another customer.
  const conflicts: MergeConflict[] = [];
  for (const sender of senders) {
    const customer = customerOf.get(identityKeyOf(sender.key))!;
    for (const also of sender.also ?? []) {
      const holder = survivorOfKey(identityKeyOf(also));
      if (!holder) link(also, customer);
      else if (holder.id !== customer.id) {
        conflicts.push({ sender: identityKeyOf(sender.key), customerId: customer.id, otherCustomerId: holder.id, identity: also });
      }
    }
  }
  if (newCustomers.length > 0) await session.customers.insertMany(newCustomers);
  if (newIdentities.length > 0) await session.identities.insertMany(newIdentities);
  return { customerOf, created: new Set(newCustomers.map((c) => c.id)), conflicts };
};
