import type { Customer, Identity } from '../../identity/customer.entity.js';
import { identityOf, type IdentityKey } from '../../identity/identity.value-object.js';
import type { Conversation } from '../../ledger/conversation.entity.js';
import type { Interaction } from '../../ledger/interaction.entity.js';
import { crmErrorCode, type CrmError, type CrmIdentity, type CrmInteractionSummary } from '../../plugin-api/crm.port.js';
import { newId } from '../../shared/ids.js';
import { lockKeys } from '../../shared/lock-keys.js';
import type { Clock } from '../../shared/ports/clock.port.js';
import type { Logger } from '../../shared/ports/logger.port.js';
import { DEFAULT_CRM_SETTINGS, RESOLUTION_RULES, type CrmSettings, type ResolutionRule } from '../../shared/settings.js';
import type { Store, StoreSession } from '../../store/store.port.js';
import type { CrmLogEntry } from '../crm-log.entity.js';
import type { CrmInstance, CrmRegistry } from '../ports/crm-registry.port.js';

/** Longest excerpt of a message sent to a CRM (the port asks for a summary, never the whole body). */
const MAX_EXCERPT = 4000;
/** Entries taken per claim: one commit per page; after a crash at most a page is rechecked. */
const PAGE = 50;

export interface CrmSyncReport {
  logged: number;
  dead: number;
  skipped: number;
  unmatched: number;
  /** The CRM contact the customer's entries went to (null when it has none). */
  contactId: string | null;
  /** True when another worker held an entry, so this pass stopped to keep the order. */
  yielded: boolean;
}

const emptyReport = (): CrmSyncReport => ({ logged: 0, dead: 0, skipped: 0, unmatched: 0, contactId: null, yielded: false });

/** The CRM link of a customer: the oldest `crm:<system>:<id>` identity it holds (after a merge, the survivor's own, made first). */
export const linkedContactId = (identities: readonly Identity[], system: string): string | null => {
  const prefix = `${system}:`;
  const links = identities.filter((i) => i.kind === 'crm' && i.value.startsWith(prefix)).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  return links[0]?.value.slice(prefix.length) ?? null;
};

const excerpt = (text: string): string => (text.length <= MAX_EXCERPT ? text : `${text.slice(0, MAX_EXCERPT - 1)}…`);

const duration = (ms: number): string => {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  return [days > 0 ? `${days}d` : '', hours > 0 ? `${hours}h` : '', `${rest}m`].filter(Boolean).join(' ');
};

const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : String(error)).slice(0, 1000);

/**
 * Brings a customer's ledger entries to one CRM instance, in order, each once: links the customer
 * to its contact first (the `crm-match` rule: find by email/phone, else create when the instance
 * says so), then logs the entries its `crm_log` rows hold open. Runs in jobs after commit, never
 * in the ingest transaction.
 *
 * Exactly once, even across crashes: an attempt first takes a page of rows (`sending`, leased, in
 * order) in its own commit, then calls the CRM for each in turn, then records the page's answers
 * with the commit that takes the next page. A row found `sending` may have been
 * logged by an attempt whose answer was lost, so that attempt asks the connector to `recheck`: it
 * looks for the activity it made for that interaction id (HubSpot: the contact's associated
 * engagements carry the id) before it creates one.
 */
export class SyncCrm {
  private readonly rules: readonly ResolutionRule[];
  private readonly settings: CrmSettings;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly crms: CrmRegistry,
    options: { rules?: readonly ResolutionRule[] | undefined; crm?: CrmSettings | undefined } = {},
    private readonly logger?: Logger,
  ) {
    this.rules = options.rules ?? RESOLUTION_RULES;
    this.settings = options.crm ?? DEFAULT_CRM_SETTINGS;
  }

  /** The survivor of a customer (following merges), or null for an unknown id. */
  static async survivorOf(session: Pick<StoreSession, 'customers'>, customerId: string): Promise<Customer | null> {
    let customer = await session.customers.get(customerId);
    for (let hops = 0; customer?.mergedInto && hops < 64; hops += 1) customer = await session.customers.get(customer.mergedInto);
    return customer;
  }

  async syncCustomer(instanceId: string, customerId: string): Promise<CrmSyncReport> {
    const report = emptyReport();
    const target = this.crms.get(instanceId);
    if (!target) return report;
    const found = await this.store.read(async (session) => {
      const survivor = await SyncCrm.survivorOf(session, customerId);
      if (!survivor) return null;
      const [family, identities] = await Promise.all([session.customers.familyOf(survivor.id), session.identities.listByCustomer(survivor.id)]);
      return { survivor, family: [...new Set([...family, customerId])], identities };
    });
    if (!found) return report;
    const { survivor, family, identities } = found;

    let contactId = linkedContactId(identities, target.system);
    if (contactId === null) contactId = await this.link(target, survivor, identities, family);
    report.contactId = contactId;
    if (contactId === null) {
      report.unmatched = await this.store.transaction((s) =>
        s.crmLog.setStatusFor(instanceId, family, ['pending', 'sending'], 'unmatched', this.clock.now(), `no ${target.system} contact for this customer`),
      );
      return report;
    }

    const agentNames = new Map<string, string>();
    // Outcomes are recorded in the transaction that claims the next page (one commit per page, not
    // per entry); a crash before it leaves the page's entries `sending`, which the next attempt rechecks.
    const outcomes: CrmLogEntry[] = [];
    let first = true;
    try {
      for (;;) {
        const now = this.clock.now();
        const recorded = outcomes.splice(0);
        const page = await this.store
          .transaction(async (s) => {
            // Entries left unmatched before the customer had a contact (linked since, or created now) go too.
            if (first) await s.crmLog.setStatusFor(instanceId, family, ['unmatched'], 'pending', now, null);
            await s.crmLog.updateMany(recorded);
            const next = await s.crmLog.claimNext(instanceId, family, PAGE, now, new Date(now.getTime() + this.settings.leaseSeconds * 1000));
            const interactions = next.claimed.length === 0 ? [] : await s.interactions.getMany(next.claimed.map((c) => c.entry.interactionId));
            return { ...next, interactions: new Map(interactions.map((i) => [i.id, i])) };
          })
          .catch((error: unknown) => {
            outcomes.unshift(...recorded);
            throw error;
          });
        first = false;
        if (page.claimed.length === 0) {
          // Another worker holds the next entry (or it waits out a backoff): stop here so the order holds.
          report.yielded = page.held;
          return report;
        }
        let done = 0;
        try {
          await this.holdingLease(
            page.claimed.map((c) => c.entry),
            async () => {
              for (; done < page.claimed.length; done += 1) {
                const { entry: claimed, previous } = page.claimed[done]!;
                const interaction = page.interactions.get(claimed.interactionId);
                if (!interaction || interaction.erasedAt !== null || !target.policy.logInteractions) {
                  outcomes.push(this.outcome(claimed, { status: 'skipped', lastError: interaction ? null : 'the ledger entry is missing' }));
                  report.skipped += 1;
                  continue;
                }
                const summary = claimed.kind === 'summary' ? await this.resolvedSummary(interaction) : await this.entrySummary(interaction, agentNames);
                try {
                  const { activityId } = await target.crm.logInteraction(contactId, summary, { recheck: previous.status === 'sending' || previous.attempts > 0 });
                  outcomes.push(this.outcome(claimed, { status: 'logged', activityId, contactId, lastError: null }));
                  report.logged += 1;
                } catch (error) {
                  const reason = reasonOf(error);
                  const code = crmErrorCode(error);
                  if (code === 'invalid' || code === 'not_found' || (code === 'unavailable' && claimed.attempts >= this.settings.maxAttempts)) {
                    outcomes.push(this.outcome(claimed, { status: 'dead', contactId, lastError: `${target.system}: ${reason}` }));
                    this.logger?.warn({ instanceId, interactionId: claimed.interactionId, attempts: claimed.attempts }, 'CRM entry dead-lettered');
                    report.dead += 1;
                    continue;
                  }
                  // Rate limits and refused tokens cost no attempt (nothing is given up while they last); a refused
                  // token is tried again each lease period, other failures back off exponentially.
                  const retryAt = code === 'rate_limited' && error instanceof Error && (error as CrmError).retryAt instanceof Date ? (error as CrmError).retryAt : null;
                  const backoffMs = Math.min(300_000, 1000 * 2 ** Math.min(claimed.attempts, 8));
                  const free = code === 'rate_limited' || code === 'unauthorized';
                  outcomes.push(
                    this.outcome(claimed, {
                      status: 'sending',
                      attempts: free ? Math.max(0, claimed.attempts - 1) : claimed.attempts,
                      leaseUntil: retryAt ?? new Date(this.clock.now().getTime() + (code === 'unauthorized' ? this.settings.leaseSeconds * 1000 : backoffMs)),
                      lastError: `${target.system}: ${reason}`,
                    }),
                  );
                  done += 1;
                  throw error;
                }
              }
            },
          );
        } finally {
          // Entries of the page not tried (an error stopped it) go back as they were: no call was made for them.
          for (const { entry, previous } of page.claimed.slice(done)) outcomes.push(this.outcome(entry, { status: previous.status, attempts: previous.attempts }));
        }
      }
    } finally {
      if (outcomes.length > 0) await this.store.transaction((s) => s.crmLog.updateMany(outcomes));
    }
  }

  /** Finds the customer's contact (or makes one) and links it; a contact linked to someone else is a merge suggestion. */
  private async link(target: CrmInstance, customer: Customer, identities: readonly Identity[], family: readonly string[]): Promise<string | null> {
    if (!this.rules.includes('crm-match')) return null;
    const asked: CrmIdentity[] = identities.filter((i) => target.policy.match.includes(i.kind)).map((i) => ({ kind: i.kind, value: i.value }));
    if (asked.length === 0) return null;
    let contactId: string | null = null;
    const batch = Math.max(1, target.crm.maxBatch);
    for (let i = 0; i < asked.length && contactId === null; i += batch) {
      const matches = await target.crm.findContacts(asked.slice(i, i + batch));
      contactId = matches.flatMap((m) => m.contacts.map((c) => c.id))[0] ?? null;
    }
    if (contactId === null && target.policy.createContacts) {
      const { contact } = await target.crm.upsertContact({ customerId: customer.id, displayName: customer.displayName, attributes: customer.attributes }, asked);
      contactId = contact.id;
    }
    if (contactId === null) return null;
    await this.attach(target.system, customer.id, contactId, family);
    return contactId;
  }

  private async attach(system: string, customerId: string, contactId: string, family: readonly string[]): Promise<void> {
    const key: IdentityKey = identityOf('crm', `${system}:${contactId}`);
    const now = this.clock.now();
    await this.store.transaction(async (session) => {
      await session.lock(lockKeys.identity(key.kind, key.value));
      const holder = await session.identities.find(key);
      if (!holder) {
        await session.identities.insert({ ...key, customerId, verified: true, createdAt: now });
        return;
      }
      if (family.includes(holder.customerId)) return;
      // One CRM contact, two hub customers: maybe one person. An agent decides; the hub never merges.
      await session.mergeSuggestions.addPending([
        { id: newId(), customerId, otherCustomerId: holder.customerId, identity: key, interactionId: null, status: 'pending', createdAt: now, decidedAt: null },
      ]);
    });
  }

  /**
   * Runs a page of CRM calls while renewing the page's leases (a third of a lease at a time, one
   * statement): a call that waits out rate limits may outlast one lease, and no other worker may take
   * an entry of the page meanwhile. A worker that dies stops renewing, so another takes the entries
   * once the leases run out (and rechecks).
   */
  private async holdingLease<T>(claimed: readonly CrmLogEntry[], work: () => Promise<T>): Promise<T> {
    const leaseMs = this.settings.leaseSeconds * 1000;
    const instanceId = claimed[0]?.instanceId ?? '';
    const held = claimed.map((c) => ({ interactionId: c.interactionId, attempts: c.attempts }));
    const timer = setInterval(() => {
      const until = new Date(this.clock.now().getTime() + leaseMs);
      this.store.transaction((s) => s.crmLog.renew(instanceId, held, until)).catch((error: unknown) => {
        this.logger?.warn({ err: String(error), instanceId, entries: held.length }, 'CRM lease renewal failed; the leases may run out');
      });
    }, Math.max(100, Math.floor(leaseMs / 3)));
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  }

  /** An entry as an attempt left it: its lease given back unless the change sets one. */
  private outcome(claimed: CrmLogEntry, change: Partial<CrmLogEntry>): CrmLogEntry {
    return { ...claimed, leaseUntil: null, ...change, updatedAt: this.clock.now() };
  }

  private async entrySummary(interaction: Interaction, agentNames: Map<string, string>): Promise<CrmInteractionSummary> {
    let agent: { id: string; name: string } | null = null;
    if (interaction.agentId) {
      const id = interaction.agentId;
      const name = agentNames.get(id) ?? (await this.store.read((s) => s.agents.get(id)))?.name ?? id;
      agentNames.set(id, name);
      agent = { id, name };
    }
    return {
      interactionId: interaction.id,
      conversationId: interaction.conversationId,
      channel: interaction.channel,
      direction: interaction.direction,
      subject: interaction.subject,
      text: excerpt(interaction.text),
      occurredAt: interaction.occurredAt,
      agent,
      kind: interaction.type === 'note' ? 'note' : 'message',
      address: interaction.party ? { kind: interaction.party.kind, value: interaction.party.value } : null,
    };
  }

  /** The one note a resolved conversation adds: channels, channel hops, handling time, message counts. */
  private async resolvedSummary(resolvedBy: Interaction): Promise<CrmInteractionSummary> {
    const { conversation, entries } = await this.store.read(async (s) => ({
      conversation: await s.conversations.get(resolvedBy.conversationId),
      entries: await s.interactions.listByConversation(resolvedBy.conversationId),
    }));
    const upTo = entries.filter((e) => e.seq <= resolvedBy.seq && e.type === 'message');
    const inbound = upTo.filter((e) => e.direction === 'inbound').length;
    const outbound = upTo.length - inbound;
    const channels = conversation?.channels ?? [...new Set(upTo.map((e) => e.channel))];
    const hops = conversation?.hops ?? 0;
    const started = (conversation as Conversation | null)?.createdAt ?? upTo[0]?.occurredAt ?? resolvedBy.occurredAt;
    const text = [
      `Conversation resolved in Switchboard.`,
      `Channels: ${channels.join(', ') || 'none'}`,
      `Channel hops: ${hops}`,
      `Handling time: ${duration(resolvedBy.occurredAt.getTime() - started.getTime())}`,
      `Messages: ${inbound} in, ${outbound} out`,
    ].join('\n');
    return {
      interactionId: resolvedBy.id,
      conversationId: resolvedBy.conversationId,
      channel: 'system',
      direction: 'internal',
      subject: 'Conversation resolved',
      text,
      occurredAt: resolvedBy.occurredAt,
      kind: 'summary',
      address: null,
    };
  }
}
