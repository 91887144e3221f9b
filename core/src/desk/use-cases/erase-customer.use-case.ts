import type { CrmSession } from '../../crm/ports/crm-log-store.port.js';
import type { CrmRegistry } from '../../crm/ports/crm-registry.port.js';
import type { IdentityKey } from '../../identity/identity.value-object.js';
import type { DeliverySession } from '../../delivery/ports/delivery-store.port.js';
import { identityErrors } from '../../identity/identity.errors.js';
import type { IdentitySession } from '../../identity/ports/identity-store.port.js';
import { customerAndMerged } from '../../identity/use-cases/customer-and-merged.js';
import type { Interaction } from '../../ledger/interaction.entity.js';
import { appendEntry } from '../../ledger/ledger-writer.js';
import type { LedgerSession } from '../../ledger/ports/ledger-store.port.js';
import type { Clock } from '../../shared/ports/clock.port.js';
import type { SessionLocks, Transactions } from '../../shared/ports/transactions.port.js';
import { lockKeys } from '../../shared/lock-keys.js';

export interface ErasureReport {
  customerId: string;
  erasedAt: Date;
  /** The customer and those merged into it: all erased. */
  customers: string[];
  identities: number;
  interactions: number;
  conversations: number;
  /** Outbound messages not yet delivered: dead-lettered, since there is no one left to send them to. */
  deliveriesCancelled: number;
  /** Merge suggestions naming the customer (they quote an identity): deleted. */
  mergeSuggestionsRemoved: number;
  /** Merge records naming the customer: their identities, attribute values and former name emptied; no longer reversible. */
  mergeRecordsScrubbed: number;
  /**
   * The CRM records that held the customer: deleted there (`erased: true`, the instance's
   * `eraseInCrm`), or still holding the data, named so that someone can act (`erased: false`).
   */
  crm: CrmErasure[];
}

export interface CrmErasure {
  instanceId: string;
  system: string;
  contactId: string;
  /** The identity that linked it, as `crm:<system>:<id>`. */
  identity: string;
  erased: boolean;
  detail: string;
}

/** Entries read per round: bounded memory for a customer of any size. */
const BATCH = 500;

/**
 * Internal entries the hub writes itself (status, assignment, merge, erasure) carry ids and states,
 * not what a person said or who they are; they stay readable unless they name a party.
 */
const holdsPersonalContent = (i: Interaction): boolean =>
  i.erasedAt === null && (i.party !== null || i.type === 'message' || i.type === 'note');

type EraseSession = IdentitySession & LedgerSession & DeliverySession & CrmSession & SessionLocks;

/**
 * Data-subject erasure. In one transaction: the identities of the customer (and of those merged
 * into it) are removed, so no lookup finds them by an erased value; name and attributes are
 * emptied; every entry holding personal content gets the tombstone (which also empties the search
 * index, a generated column of the content), keeping its digest so every chain still verifies;
 * outbound messages still waiting are dead-lettered with the reason; and each conversation records
 * the erasure as an entry. Outbox events and job payloads carry ids only, so nothing there holds
 * personal content. Erasing an erased customer again finds nothing more to erase.
 */
export class EraseCustomer {
  constructor(
    private readonly store: Transactions<EraseSession>,
    private readonly clock: Clock,
    private readonly crms?: CrmRegistry,
    private readonly onCrmErased?: (instanceId: string, contactId: string) => void,
  ) {}

  async erase(customerId: string): Promise<ErasureReport> {
    const { report, links } = await this.eraseInStore(customerId);
    // After commit: the hub's copy is gone whatever the CRM answers; the answer names what is left.
    const crm: CrmErasure[] = [];
    for (const link of links) {
      const target = this.crms?.list().find((t) => link.kind === 'crm' && link.value.startsWith(`${t.system}:`));
      if (!target) continue;
      const contactId = link.value.slice(target.system.length + 1);
      const base = { instanceId: target.instanceId, system: target.system, contactId, identity: `crm:${link.value}` };
      if (!target.policy.eraseInCrm || !target.crm.eraseContact) {
        crm.push({ ...base, erased: false, detail: `${target.system} contact ${contactId} still holds this customer's data (eraseInCrm is off): erase it there` });
        continue;
      }
      try {
        await target.crm.eraseContact(contactId);
        this.onCrmErased?.(target.instanceId, contactId);
        crm.push({ ...base, erased: true, detail: `${target.system} contact ${contactId} deleted (GDPR delete)` });
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        crm.push({ ...base, erased: false, detail: `${target.system} contact ${contactId} still holds this customer's data: the GDPR delete failed (${reason}); erase it there` });
      }
    }
    return { ...report, crm };
  }

  private async eraseInStore(customerId: string): Promise<{ report: Omit<ErasureReport, 'crm'>; links: IdentityKey[] }> {
    return this.store.transaction(async (session) => {
      if (!(await session.customers.get(customerId))) throw identityErrors.customerNotFound(customerId);
      const family = await customerAndMerged(session, customerId);
      const customers = await session.customers.getMany(family);
      const listIdentities = async () => (await Promise.all(family.map((id) => session.identities.listByCustomer(id)))).flat();
      // Lock order: identity, customer, conversation (lockKeys). Identities are listed again under
      // the customer locks: one linked in between is erased too.
      await session.lockAll((await listIdentities()).map((i) => lockKeys.identity(i.kind, i.value)));
      await session.lockAll(family.map((id) => lockKeys.customer(id)));
      const identities = await listIdentities();
      const conversations = await session.conversations.listByCustomers(family);
      await session.lockAll(conversations.map((c) => lockKeys.conversation(c.id)));
      const now = this.clock.now();

      const links = identities.filter((i) => i.kind === 'crm').map((i) => ({ kind: i.kind, value: i.value }));
      await session.identities.removeMany(identities.map((i) => ({ kind: i.kind, value: i.value })));
      // Nothing more goes to a CRM for an erased customer.
      await session.crmLog.setStatusFor(null, family, ['pending', 'sending', 'unmatched'], 'skipped', now, 'the customer was erased');
      const mergeSuggestionsRemoved = await session.mergeSuggestions.removeFor(family);
      const mergeRecordsScrubbed = await session.merges.scrubFor(family, now);
      for (const customer of customers) await session.customers.update({ ...customer, displayName: null, attributes: {}, updatedAt: now });

      let erased = 0;
      let cancelled = 0;
      for (let cursor: string | undefined, first = true; first || cursor !== undefined; first = false) {
        const page = await session.interactions.timeline(family, {}, { limit: BATCH, cursor });
        const personal = page.items.filter(holdsPersonalContent);
        await session.interactions.tombstone(
          personal.map((i) => i.id),
          now,
        );
        erased += personal.length;
        const outbound = page.items.filter((i) => i.direction === 'outbound').map((i) => i.id);
        for (const delivery of outbound.length > 0 ? await session.deliveries.getMany(outbound) : []) {
          // A provider's reason may quote the address; a message still waiting has no one to go to.
          const waiting = delivery.status === 'pending' || delivery.status === 'retrying';
          if (!waiting && delivery.reason === null) continue;
          if (waiting) cancelled += 1;
          await session.deliveries.update({
            ...delivery,
            status: waiting ? 'dead' : delivery.status,
            reason: waiting ? 'the customer was erased' : delivery.reason === null ? null : '[erased]',
            nextAttemptAt: waiting ? null : delivery.nextAttemptAt,
            updatedAt: now,
          });
        }
        cursor = page.nextCursor ?? undefined;
      }

      for (const conversation of conversations) {
        await appendEntry(
          session,
          conversation,
          { channel: 'system', direction: 'internal', type: 'erasure', text: '', data: { customerId: conversation.customerId, requestedFor: customerId } },
          now,
        );
      }
      return {
        report: {
          customerId,
          erasedAt: now,
          customers: family,
          identities: identities.length,
          interactions: erased,
          conversations: conversations.length,
          deliveriesCancelled: cancelled,
          mergeSuggestionsRemoved,
          mergeRecordsScrubbed,
        },
        links,
      };
    });
  }
}
