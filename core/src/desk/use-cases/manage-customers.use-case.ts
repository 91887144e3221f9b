import type { CustomerMerge } from '../../identity/customer-merge.entity.js';
import type { Customer, CustomerView, Identity } from '../../identity/customer.entity.js';
import { identityErrors } from '../../identity/identity.errors.js';
import { formatIdentity, identityOf, type IdentityKey, type NormaliseOptions } from '../../identity/identity.value-object.js';
import { mergeAttributes, unmergeAttributes, type AttributePolicy } from '../../identity/merge-plan.js';
import type { MergeSuggestion } from '../../identity/merge-suggestion.entity.js';
import type { MergeSuggestionFilter } from '../../identity/ports/identity-store.port.js';
import type { Conversation } from '../../ledger/conversation.entity.js';
import { appendEntry } from '../../ledger/ledger-writer.js';
import { newId } from '../../shared/ids.js';
import { lockKeys } from '../../shared/lock-keys.js';
import type { Page, PageRequest } from '../../shared/page.js';
import type { Clock } from '../../shared/ports/clock.port.js';
import type { Store, StoreSession } from '../../store/store.port.js';
import type { Actor } from '../ports/desk-commands.port.js';

export interface MergeOptions {
  dryRun?: boolean | undefined;
  attributes?: AttributePolicy | undefined;
}

/** What a merge did (or, for a dry run, would do). */
export interface MergeOutcome {
  dryRun: boolean;
  /** The merge record's id; null for a dry run. */
  mergeId: string | null;
  survivor: CustomerView;
  merged: CustomerView;
  moved: { identities: IdentityKey[]; conversations: string[]; attributes: CustomerMerge['attributes'] };
}

export interface UnmergeOutcome {
  mergeId: string;
  survivor: CustomerView;
  restored: CustomerView;
  moved: { identities: IdentityKey[]; conversations: string[] };
}

/** A customer attribute's value: what routing rules match and desks show. */
export type CustomerAttributeValue = string | number | boolean;

/** A change to a customer: JSON merge patch semantics for `attributes` (null removes a key). */
export interface CustomerPatch {
  displayName?: string | null | undefined;
  attributes?: Record<string, CustomerAttributeValue | null> | undefined;
}

/** Most attributes a customer holds: they ride along on every routing decision and desk card. */
export const MAX_CUSTOMER_ATTRIBUTES = 64;

const actorAgent = (actor: Actor): string | null => (actor.kind === 'agent' ? actor.agentId : null);

/**
 * What agents and operators do to customers: link and unlink identities, merge two customers and
 * undo a merge, answer merge suggestions. Merges never rewrite the ledger: conversations move, and
 * each moved conversation gets a `merge` entry in its chain; the merge record keeps what moved.
 */
export class ManageCustomers {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly normalise: NormaliseOptions = {},
  ) {}

  /** Links an identity to a customer (verified: an agent vouches for it). One another customer holds is refused: merge them instead. */
  async link(_actor: Actor, customerId: string, input: { kind: string; value: string }): Promise<CustomerView> {
    const key = identityOf(input.kind, input.value, 'value', this.normalise);
    return this.store.transaction(async (session) => {
      await session.lock(lockKeys.identity(key.kind, key.value));
      await session.lock(lockKeys.customer(customerId));
      const customer = await this.active(session, customerId);
      const held = await session.identities.find(key);
      if (held && held.customerId !== customer.id) throw identityErrors.identityTaken(formatIdentity(key), held.customerId);
      if (!held) await session.identities.insert({ ...key, customerId: customer.id, verified: true, createdAt: this.clock.now() });
      return this.view(session, customer);
    });
  }

  /** Unlinks an identity of a customer; messages from it later make a new customer (or match by the rules). */
  async unlink(_actor: Actor, customerId: string, written: { kind: string; value: string }): Promise<CustomerView> {
    const key = identityOf(written.kind, written.value, 'identity', this.normalise);
    return this.store.transaction(async (session) => {
      await session.lock(lockKeys.identity(key.kind, key.value));
      await session.lock(lockKeys.customer(customerId));
      const customer = await this.active(session, customerId);
      const held = await session.identities.find(key);
      if (!held || held.customerId !== customer.id) throw identityErrors.identityNotLinked(formatIdentity(key), customer.id);
      await session.identities.remove(key);
      return this.view(session, customer);
    });
  }

  /**
   * Sets the display name and attributes of a customer (attribute keys not named stay as they
   * are; a null value removes the key). What routing rules match on (`tier=gold`) is set here.
   */
  async update(_actor: Actor, customerId: string, patch: CustomerPatch): Promise<CustomerView> {
    return this.store.transaction(async (session) => {
      await session.lock(lockKeys.customer(customerId));
      const customer = await this.active(session, customerId);
      const attributes: Record<string, unknown> = { ...customer.attributes };
      for (const [key, value] of Object.entries(patch.attributes ?? {})) {
        if (value === null) delete attributes[key];
        else attributes[key] = value;
      }
      if (Object.keys(attributes).length > MAX_CUSTOMER_ATTRIBUTES) throw identityErrors.tooManyAttributes(Object.keys(attributes).length, MAX_CUSTOMER_ATTRIBUTES);
      const updated: Customer = {
        ...customer,
        displayName: patch.displayName === undefined ? customer.displayName : patch.displayName,
        attributes,
        updatedAt: this.clock.now(),
      };
      await session.customers.update(updated);
      return this.view(session, updated);
    });
  }

  /** Merges `fromId` into `survivorId`: identities, conversations and attributes (by `options.attributes`) move; `fromId` keeps `mergedInto`. */
  async merge(actor: Actor, survivorId: string, fromId: string, options: MergeOptions = {}): Promise<MergeOutcome> {
    if (survivorId === fromId) throw identityErrors.mergeSelf();
    const run = (session: StoreSession) => this.mergeIn(session, actor, survivorId, fromId, options, null);
    return options.dryRun ? this.store.read(run) : this.store.transaction(run);
  }

  /** Undoes the merge of `mergedId` into `survivorId`: what it moved goes back, unless it moved again since; what was added since stays. */
  async unmerge(actor: Actor, survivorId: string, mergedId: string): Promise<UnmergeOutcome> {
    return this.store.transaction(async (session) => {
      await session.lockAll([survivorId, mergedId].map(lockKeys.customer));
      const [survivor, merged] = await Promise.all([this.existing(session, survivorId), this.existing(session, mergedId)]);
      if (survivor.mergedInto) throw identityErrors.customerMerged(survivor.id, survivor.mergedInto);
      const record = merged.mergedInto === survivor.id ? await session.merges.findActive(survivor.id, merged.id) : null;
      if (!record) throw identityErrors.notMerged(survivor.id, merged.id);
      const now = this.clock.now();

      const held = await session.identities.findMany(record.identities);
      const identities = held.filter((i) => i.customerId === survivor.id).map(({ kind, value }) => ({ kind, value }));
      await session.identities.reassign(identities, merged.id);

      const conversations = await this.lockedConversations(session, record.conversations);
      const back = conversations.filter((c) => c.customerId === survivor.id);
      for (const conversation of back) {
        const moved = { ...conversation, customerId: merged.id, updatedAt: now };
        await session.conversations.update(moved);
        await appendEntry(
          session,
          moved,
          { channel: 'system', direction: 'internal', type: 'merge', text: `unmerged: customer ${merged.id} is no longer merged into ${survivor.id}`, agentId: actorAgent(actor), data: { mergeId: record.id, action: 'unmerge', from: survivor.id, to: merged.id } },
          now,
        );
      }

      const restoredSurvivor: Customer = {
        ...survivor,
        attributes: unmergeAttributes(survivor.attributes, record.attributes),
        displayName: record.displayNameChanged && survivor.displayName === merged.displayName ? record.displayNameBefore : survivor.displayName,
        updatedAt: now,
      };
      const restored: Customer = { ...merged, mergedInto: null, updatedAt: now };
      await session.customers.update(restoredSurvivor);
      await session.customers.update(restored);
      await session.merges.update({ ...record, undoneAt: now });
      return {
        mergeId: record.id,
        survivor: await this.view(session, restoredSurvivor),
        restored: await this.view(session, restored),
        moved: { identities, conversations: back.map((c) => c.id) },
      };
    });
  }

  listSuggestions(filter: MergeSuggestionFilter, page: PageRequest): Promise<Page<MergeSuggestion>> {
    return this.store.read((session) => session.mergeSuggestions.list(filter, page));
  }

  /** Accepts a suggestion: merges its other customer into its customer (both followed to their survivors). */
  async acceptSuggestion(actor: Actor, id: string, attributes?: AttributePolicy): Promise<{ suggestion: MergeSuggestion; merge: MergeOutcome }> {
    return this.store.transaction(async (session) => {
      const suggestion = await this.pending(session, id);
      const survivor = await this.survivorId(session, suggestion.customerId);
      const other = await this.survivorId(session, suggestion.otherCustomerId);
      const decided: MergeSuggestion = { ...suggestion, status: 'accepted', decidedAt: this.clock.now() };
      if (survivor === other) {
        // Merged meanwhile by other means: nothing left to move.
        throw identityErrors.suggestionDecided(id, 'merged already');
      }
      const merge = await this.mergeIn(session, actor, survivor, other, { attributes }, suggestion.id);
      await session.mergeSuggestions.update(decided);
      return { suggestion: decided, merge };
    });
  }

  async dismissSuggestion(_actor: Actor, id: string): Promise<MergeSuggestion> {
    return this.store.transaction(async (session) => {
      const decided: MergeSuggestion = { ...(await this.pending(session, id)), status: 'dismissed', decidedAt: this.clock.now() };
      await session.mergeSuggestions.update(decided);
      return decided;
    });
  }

  private async mergeIn(session: StoreSession, actor: Actor, survivorId: string, fromId: string, options: MergeOptions, suggestionId: string | null): Promise<MergeOutcome> {
    if (survivorId === fromId) throw identityErrors.mergeSelf();
    await session.lockAll([survivorId, fromId].map(lockKeys.customer));
    const [survivor, merged] = await Promise.all([this.active(session, survivorId), this.active(session, fromId)]);
    const now = this.clock.now();
    const identities = (await session.identities.listByCustomer(merged.id)).map(({ kind, value }) => ({ kind, value }));
    const conversations = await this.conversationsOf(session, merged.id);
    const { attributes, changes } = mergeAttributes(survivor, merged, options.attributes);
    const fillName = !survivor.displayName && merged.displayName !== null;
    const survivorAfter: Customer = { ...survivor, attributes, displayName: fillName ? merged.displayName : survivor.displayName, updatedAt: now };
    const mergedAfter: Customer = { ...merged, mergedInto: survivor.id, updatedAt: now };
    const moved = { identities, conversations: conversations.map((c) => c.id), attributes: changes };
    if (options.dryRun) {
      const survivorIdentities = await session.identities.listByCustomer(survivor.id);
      const mergedIdentities = await session.identities.listByCustomer(merged.id);
      return {
        dryRun: true,
        mergeId: null,
        survivor: { ...survivorAfter, identities: [...survivorIdentities, ...mergedIdentities.map((i): Identity => ({ ...i, customerId: survivor.id }))] },
        merged: { ...mergedAfter, identities: [] },
        moved,
      };
    }

    const mergeId = newId();
    await session.identities.reassign(identities, survivor.id);
    for (const conversation of await this.lockedConversations(session, moved.conversations)) {
      const movedConversation = { ...conversation, customerId: survivor.id, updatedAt: now };
      await session.conversations.update(movedConversation);
      await appendEntry(
        session,
        movedConversation,
        {
          channel: 'system',
          direction: 'internal',
          type: 'merge',
          text: `customer ${merged.id} merged into ${survivor.id}`,
          agentId: actorAgent(actor),
          data: { mergeId, action: 'merge', from: merged.id, to: survivor.id, ...(suggestionId ? { suggestionId } : {}) },
        },
        now,
      );
    }
    await session.customers.update(survivorAfter);
    await session.customers.update(mergedAfter);
    await session.merges.insert({
      id: mergeId,
      survivorId: survivor.id,
      mergedId: merged.id,
      identities,
      conversations: moved.conversations,
      attributes: changes,
      displayNameBefore: survivor.displayName,
      displayNameChanged: fillName,
      createdAt: now,
      undoneAt: null,
    });
    return { dryRun: false, mergeId, survivor: await this.view(session, survivorAfter), merged: await this.view(session, mergedAfter), moved };
  }

  private async conversationsOf(session: StoreSession, customerId: string): Promise<Conversation[]> {
    const all: Conversation[] = [];
    let cursor: string | undefined;
    do {
      const page = await session.conversations.list({ customerId }, { cursor, limit: 200 });
      all.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    return all;
  }

  /** The conversations, locked and read again under their locks. */
  private async lockedConversations(session: StoreSession, ids: readonly string[]): Promise<Conversation[]> {
    if (ids.length === 0) return [];
    await session.lockAll(ids.map(lockKeys.conversation));
    return session.conversations.getMany(ids);
  }

  private async existing(session: StoreSession, id: string): Promise<Customer> {
    const customer = await session.customers.get(id);
    if (!customer) throw identityErrors.customerNotFound(id);
    return customer;
  }

  /** A customer that is not merged into another. */
  private async active(session: StoreSession, id: string): Promise<Customer> {
    const customer = await this.existing(session, id);
    if (customer.mergedInto) throw identityErrors.customerMerged(customer.id, customer.mergedInto);
    return customer;
  }

  private async survivorId(session: StoreSession, id: string): Promise<string> {
    let current = await this.existing(session, id);
    const seen = new Set<string>();
    while (current.mergedInto && !seen.has(current.id)) {
      seen.add(current.id);
      current = await this.existing(session, current.mergedInto);
    }
    return current.id;
  }

  private async pending(session: StoreSession, id: string): Promise<MergeSuggestion> {
    const suggestion = await session.mergeSuggestions.get(id);
    if (!suggestion) throw identityErrors.suggestionNotFound(id);
    if (suggestion.status !== 'pending') throw identityErrors.suggestionDecided(id, suggestion.status);
    return suggestion;
  }

  private async view(session: StoreSession, customer: Customer): Promise<CustomerView> {
    return { ...customer, identities: await session.identities.listByCustomer(customer.id) };
  }
}
