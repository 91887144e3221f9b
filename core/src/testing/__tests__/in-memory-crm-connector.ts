import { CrmError, type CrmConnector, type CrmContact, type CrmContactMatch, type CrmCustomer, type CrmIdentity, type CrmInteractionSummary, type CrmState } from '../../plugin-api/crm.port.js';

/**
 * The reference CrmConnector: contacts in memory, keyed by identity and by the hub's customer id.
 * `forgetfulLog` logs every call anew (the idempotency bug the contract catches).
 */
export class InMemoryCrmConnector implements CrmConnector {
  readonly maxBatch = 100;
  private readonly contacts = new Map<string, CrmContact & { customerId: string }>();
  private readonly activities = new Map<string, string>();
  private sequence = 0;

  constructor(private readonly options: { forgetfulLog?: boolean } = {}) {}

  async findContacts(identities: readonly CrmIdentity[]): Promise<CrmContactMatch[]> {
    return identities.map((identity) => ({ identity, contacts: [...this.contacts.values()].filter((c) => holds(c, identity)).map(publicContact) }));
  }

  async upsertContact(customer: CrmCustomer, identities: readonly CrmIdentity[]): Promise<{ contact: CrmContact; created: boolean }> {
    const existing = [...this.contacts.values()].find((c) => c.customerId === customer.customerId || identities.some((i) => holds(c, i)));
    if (existing) {
      existing.name = customer.displayName ?? existing.name;
      for (const identity of identities) if (!holds(existing, identity)) existing.identities.push({ ...identity });
      return { contact: publicContact(existing), created: false };
    }
    const id = `contact-${++this.sequence}`;
    const contact = {
      id,
      customerId: customer.customerId,
      name: customer.displayName,
      company: null,
      owner: null,
      lifecycleStage: 'lead',
      url: `https://crm.example/contacts/${id}`,
      identities: identities.map((i) => ({ ...i })),
    };
    this.contacts.set(id, contact);
    return { contact: publicContact(contact), created: true };
  }

  async logInteraction(contactId: string, summary: CrmInteractionSummary): Promise<{ activityId: string; created: boolean }> {
    if (!this.contacts.has(contactId)) throw new CrmError('not_found', `no contact ${contactId}`);
    const key = `${contactId}:${summary.interactionId}`;
    const known = this.activities.get(key);
    if (known !== undefined && !this.options.forgetfulLog) return { activityId: known, created: false };
    const activityId = `activity-${++this.sequence}`;
    this.activities.set(key, activityId);
    return { activityId, created: true };
  }

  async readContacts(contactIds: readonly string[]): Promise<CrmContact[]> {
    return contactIds.flatMap((id) => {
      const contact = this.contacts.get(id);
      return contact ? [publicContact(contact)] : [];
    });
  }

  async eraseContact(contactId: string): Promise<void> {
    this.contacts.delete(contactId);
  }

  async state(): Promise<CrmState> {
    return { health: { status: 'up' }, rateLimit: { limited: false, remaining: null, resetAt: null } };
  }
}

const holds = (contact: CrmContact, identity: CrmIdentity) => contact.identities.some((i) => i.kind === identity.kind && i.value === identity.value);

const publicContact = ({ customerId: _customerId, ...contact }: CrmContact & { customerId: string }): CrmContact => ({
  ...contact,
  identities: contact.identities.map((i) => ({ ...i })),
});
