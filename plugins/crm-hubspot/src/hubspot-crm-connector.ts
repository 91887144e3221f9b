import {
  CrmError,
  type CrmConnector,
  type CrmContact,
  type CrmContactMatch,
  type CrmCustomer,
  type CrmIdentity,
  type CrmInteractionSummary,
  type CrmLogOptions,
  type CrmState,
  type CrmSyncPolicy,
  type Health,
} from '@switchboard/core';
import type { HubspotClient } from './hubspot-client.js';

const CONTACT_PROPERTIES = ['email', 'firstname', 'lastname', 'phone', 'mobilephone', 'company', 'hubspot_owner_id', 'lifecyclestage'];
type EngagementType = 'notes' | 'emails' | 'communications';
/** HubSpot-defined association type ids, engagement → contact. */
const ASSOCIATION_TYPE: Record<EngagementType, number> = { notes: 202, emails: 198, communications: 81 };
const BODY_PROPERTY: Record<EngagementType, string> = { notes: 'hs_note_body', emails: 'hs_email_text', communications: 'hs_communication_body' };
/** Search allows 5 filter groups (OR): two per phone number (phone, mobilephone). */
const PHONES_PER_SEARCH = 2;
const SEARCH_PAGE = 100;

interface HubspotObject {
  id: string;
  properties: Record<string, string | null | undefined>;
}
interface Paged<T> {
  results: T[];
  paging?: { next?: { after: string } };
}

/** The marker every engagement we create carries: how a recheck finds it again by interaction id. */
export const interactionMarker = (interactionId: string): string => `switchboard:${interactionId}`;
const MARKERS = /\[switchboard:([^\]\s]+)\]/g;

const escapeHtml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Which HubSpot activity an entry becomes: emails as emails, SMS / WhatsApp as communications, the rest as notes naming the channel. */
export const engagementTypeOf = (summary: CrmInteractionSummary): { type: EngagementType; channelType?: 'SMS' | 'WHATS_APP' } => {
  if ((summary.kind ?? 'message') !== 'message') return { type: 'notes' };
  if (summary.address?.kind === 'email') return { type: 'emails' };
  if (/whatsapp/i.test(summary.channel)) return { type: 'communications', channelType: 'WHATS_APP' };
  if (summary.address?.kind === 'phone' || /sms/i.test(summary.channel)) return { type: 'communications', channelType: 'SMS' };
  return { type: 'notes' };
};

export interface HubspotConnectorOptions {
  policy: CrmSyncPolicy;
  appUrl: string;
  portalId?: number | undefined;
  /** The name in identities (`crm:hubspot:<id>` by default). */
  system?: string | undefined;
}

/** The CrmConnector port on HubSpot's CRM v3 API (v4 for association lists). */
export class HubspotCrmConnector implements CrmConnector {
  readonly system: string;
  readonly maxBatch = 100;
  readonly policy: CrmSyncPolicy;
  private readonly logged = new Map<string, string>();
  private readonly ownerNames = new Map<string, string>();
  /** Per contact and engagement type: the engagements a recheck read already (their markers are in `logged`). */
  private readonly scanned = new Map<string, Set<string>>();
  private portalId: number | null;

  constructor(
    private readonly client: HubspotClient,
    private readonly options: HubspotConnectorOptions,
  ) {
    this.policy = options.policy;
    this.system = options.system ?? 'hubspot';
    this.portalId = options.portalId ?? null;
  }

  async findContacts(identities: readonly CrmIdentity[]): Promise<CrmContactMatch[]> {
    const byEmail = new Map<string, CrmContact[]>();
    const byPhone = new Map<string, CrmContact[]>();
    const emails = [...new Set(identities.filter((i) => i.kind === 'email').map((i) => i.value.toLowerCase()))];
    const phones = [...new Set(identities.filter((i) => i.kind === 'phone').map((i) => i.value))];
    // Email is unique in HubSpot: one batch read by email for up to 100.
    for (let i = 0; i < emails.length; i += this.maxBatch) {
      const chunk = emails.slice(i, i + this.maxBatch);
      const answer = await this.client.request<{ results: HubspotObject[] }>('POST', '/crm/v3/objects/contacts/batch/read', {
        idProperty: 'email',
        properties: CONTACT_PROPERTIES,
        inputs: chunk.map((id) => ({ id })),
      });
      for (const object of answer.results) {
        const contact = await this.toContact(object);
        const email = object.properties.email?.toLowerCase();
        if (email) byEmail.set(email, [...(byEmail.get(email) ?? []), contact]);
      }
    }
    // Phone is not unique: a search, paginated, on phone or mobile phone.
    for (let i = 0; i < phones.length; i += PHONES_PER_SEARCH) {
      const chunk = phones.slice(i, i + PHONES_PER_SEARCH);
      const filterGroups = chunk.flatMap((value) => ['phone', 'mobilephone'].map((propertyName) => ({ filters: [{ propertyName, operator: 'EQ', value }] })));
      let after: string | undefined;
      do {
        const page: Paged<HubspotObject> = await this.client.request('POST', '/crm/v3/objects/contacts/search', {
          filterGroups,
          properties: CONTACT_PROPERTIES,
          limit: SEARCH_PAGE,
          ...(after ? { after } : {}),
        });
        for (const object of page.results) {
          const contact = await this.toContact(object);
          for (const value of chunk) {
            if (object.properties.phone === value || object.properties.mobilephone === value) {
              const known = byPhone.get(value) ?? [];
              if (!known.some((c) => c.id === contact.id)) byPhone.set(value, [...known, contact]);
            }
          }
        }
        after = page.paging?.next?.after;
      } while (after);
    }
    return identities.map((identity) => ({
      identity,
      contacts: identity.kind === 'email' ? (byEmail.get(identity.value.toLowerCase()) ?? []) : identity.kind === 'phone' ? (byPhone.get(identity.value) ?? []) : [],
    }));
  }

  async upsertContact(customer: CrmCustomer, identities: readonly CrmIdentity[]): Promise<{ contact: CrmContact; created: boolean }> {
    const found = (await this.findContacts(identities)).flatMap((m) => m.contacts)[0];
    const email = identities.find((i) => i.kind === 'email')?.value;
    const phone = identities.find((i) => i.kind === 'phone')?.value;
    const [firstname, ...rest] = (customer.displayName ?? '').trim().split(/\s+/).filter(Boolean);
    if (found) {
      // Fill what HubSpot lacks; never overwrite what someone curated there.
      const current = await this.client.request<HubspotObject>('GET', `/crm/v3/objects/contacts/${encodeURIComponent(found.id)}?properties=${CONTACT_PROPERTIES.join(',')}`);
      const patch: Record<string, string> = {};
      if (!current.properties.firstname && firstname) patch.firstname = firstname;
      if (!current.properties.lastname && rest.length > 0) patch.lastname = rest.join(' ');
      if (!current.properties.email && email) patch.email = email;
      if (!current.properties.phone && phone) patch.phone = phone;
      if (Object.keys(patch).length === 0) return { contact: await this.toContact(current), created: false };
      const updated = await this.client.request<HubspotObject>('PATCH', `/crm/v3/objects/contacts/${encodeURIComponent(found.id)}`, { properties: patch });
      return { contact: await this.toContact(updated), created: false };
    }
    const properties: Record<string, string> = {};
    if (email) properties.email = email;
    if (phone) properties.phone = phone;
    if (firstname) properties.firstname = firstname;
    if (rest.length > 0) properties.lastname = rest.join(' ');
    try {
      const created = await this.client.request<HubspotObject>('POST', '/crm/v3/objects/contacts', { properties });
      return { contact: await this.toContact(created), created: true };
    } catch (error) {
      // Made in between (HubSpot answers 409 naming it): the same contact.
      const existing = error instanceof CrmError ? /Existing ID: (\d+)/.exec(error.message)?.[1] : undefined;
      if (!existing) throw error;
      const [contact] = await this.readContacts([existing]);
      if (!contact) throw error;
      return { contact, created: false };
    }
  }

  async logInteraction(contactId: string, summary: CrmInteractionSummary, options: CrmLogOptions = {}): Promise<{ activityId: string; created: boolean }> {
    const known = this.logged.get(summary.interactionId);
    if (known !== undefined) return { activityId: known, created: false };
    const { type, channelType } = engagementTypeOf(summary);
    if (options.recheck) {
      const earlier = await this.findLogged(contactId, type, summary.interactionId);
      if (earlier !== null) {
        this.remember(summary.interactionId, earlier);
        return { activityId: earlier, created: false };
      }
    }
    const created = await this.client.request<{ id: string }>('POST', `/crm/v3/objects/${type}`, {
      properties: this.propertiesOf(type, summary, channelType),
      associations: [{ to: { id: contactId }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: ASSOCIATION_TYPE[type] }] }],
    });
    this.remember(summary.interactionId, created.id);
    return { activityId: created.id, created: true };
  }

  async readContacts(contactIds: readonly string[]): Promise<CrmContact[]> {
    const contacts: CrmContact[] = [];
    for (let i = 0; i < contactIds.length; i += this.maxBatch) {
      const answer = await this.client.request<{ results: HubspotObject[] }>('POST', '/crm/v3/objects/contacts/batch/read', {
        properties: CONTACT_PROPERTIES,
        inputs: contactIds.slice(i, i + this.maxBatch).map((id) => ({ id })),
      });
      for (const object of answer.results) contacts.push(await this.toContact(object));
    }
    return contacts;
  }

  async eraseContact(contactId: string): Promise<void> {
    try {
      await this.client.request('POST', '/crm/v3/objects/contacts/gdpr-delete', { objectId: contactId });
    } catch (error) {
      if (error instanceof CrmError && error.code === 'not_found') return;
      throw error;
    }
  }

  async state(): Promise<CrmState> {
    const s = this.client.state;
    const limited = s.limitedUntil !== null && s.limitedUntil.getTime() > Date.now();
    return { health: this.health(), rateLimit: { limited, remaining: s.remaining, resetAt: limited ? s.limitedUntil : null } };
  }

  health(): Health {
    const s = this.client.state;
    if (s.authError) return { status: 'down', detail: s.authError };
    if (s.lastError) return { status: 'degraded', detail: s.lastError };
    return { status: 'up', detail: `api ${s.lastOkAt ? `ok at ${s.lastOkAt.toISOString()}` : 'not called yet'}; 429s waited out: ${s.rateLimited}` };
  }

  /** Checks the token with one cheap read (and learns the portal id for record links). */
  async testConnection(): Promise<Health> {
    try {
      await this.client.request('GET', '/crm/v3/objects/contacts?limit=1');
      await this.portal();
      return { status: 'up', detail: `token accepted by HubSpot (portal ${this.portalId ?? 'unknown'})` };
    } catch (error) {
      return { status: 'down', detail: error instanceof Error ? error.message : String(error) };
    }
  }

  private remember(interactionId: string, activityId: string): void {
    this.logged.set(interactionId, activityId);
    if (this.logged.size > 50_000) this.logged.delete(this.logged.keys().next().value!);
  }

  /**
   * The engagement of this type on the contact that carries the interaction's marker (associations
   * are read-your-writes; search is not). Every engagement read is remembered by its marker, and
   * not read again for the next recheck on the contact: after a crash a page of entries is
   * rechecked, and each recheck then costs one association list, not a read of the whole timeline.
   */
  private async findLogged(contactId: string, type: EngagementType, interactionId: string): Promise<string | null> {
    const ids: string[] = [];
    let after: string | undefined;
    do {
      const page: Paged<{ toObjectId: number | string }> = await this.client.request(
        'GET',
        `/crm/v4/objects/contacts/${encodeURIComponent(contactId)}/associations/${type}?limit=500${after ? `&after=${encodeURIComponent(after)}` : ''}`,
      );
      ids.push(...page.results.map((r) => String(r.toObjectId)));
      after = page.paging?.next?.after;
    } while (after);
    const key = `${contactId}\0${type}`;
    const read = this.scanned.get(key) ?? new Set<string>();
    this.scanned.delete(key);
    this.scanned.set(key, read);
    if (this.scanned.size > 1000) this.scanned.delete(this.scanned.keys().next().value!);
    const unread = ids.filter((id) => !read.has(id));
    // Newest first: an entry being rechecked was most likely the last one made.
    for (let end = unread.length; end > 0 && !this.logged.has(interactionId); end -= this.maxBatch) {
      const chunk = unread.slice(Math.max(0, end - this.maxBatch), end);
      const answer = await this.client.request<{ results: HubspotObject[] }>('POST', `/crm/v3/objects/${type}/batch/read`, { properties: [BODY_PROPERTY[type]], inputs: chunk.map((id) => ({ id })) });
      for (const object of answer.results) {
        read.add(String(object.id));
        const body = object.properties[BODY_PROPERTY[type]] ?? '';
        // Ours is the last marker of a body (a message may quote another).
        const marked = body.includes(interactionMarker(interactionId)) ? interactionId : [...body.matchAll(MARKERS)].at(-1)?.[1];
        if (marked !== undefined && !this.logged.has(marked)) this.remember(marked, String(object.id));
      }
    }
    return this.logged.get(interactionId) ?? null;
  }

  private propertiesOf(type: EngagementType, summary: CrmInteractionSummary, channelType?: string): Record<string, string> {
    const timestamp = summary.occurredAt.toISOString();
    const marker = interactionMarker(summary.interactionId);
    const who = summary.agent ? ` · ${summary.agent.name}` : '';
    const heading = summary.kind === 'summary' ? 'Switchboard · conversation resolved' : `${summary.channel} · ${summary.direction}${who}`;
    const link = summary.url ? `\n${summary.url}` : '';
    if (type === 'emails') {
      const address = summary.address?.value ?? '';
      const headers = summary.direction === 'inbound' ? { from: { email: address }, to: [] } : { from: { email: '' }, to: [{ email: address }] };
      return {
        hs_timestamp: timestamp,
        hs_email_direction: summary.direction === 'inbound' ? 'INCOMING_EMAIL' : 'EMAIL',
        hs_email_status: 'SENT',
        hs_email_subject: summary.subject ?? '(no subject)',
        hs_email_text: `${summary.text}${link}\n\n[${marker}]`,
        hs_email_headers: JSON.stringify(headers),
      };
    }
    if (type === 'communications') {
      return {
        hs_timestamp: timestamp,
        hs_communication_channel_type: channelType ?? 'SMS',
        hs_communication_logged_from: 'CRM',
        hs_communication_body: `${escapeHtml(heading)}<br>${escapeHtml(summary.text).replace(/\n/g, '<br>')}${link ? `<br>${escapeHtml(summary.url!)}` : ''}<br>[${marker}]`,
      };
    }
    const subject = summary.subject ? `<strong>${escapeHtml(summary.subject)}</strong><br>` : '';
    return {
      hs_timestamp: timestamp,
      hs_note_body: `<p><em>${escapeHtml(heading)}</em></p><p>${subject}${escapeHtml(summary.text).replace(/\n/g, '<br>')}</p>${link ? `<p>${escapeHtml(summary.url!)}</p>` : ''}<p>[${marker}]</p>`,
    };
  }

  private async portal(): Promise<number | null> {
    if (this.portalId !== null) return this.portalId;
    try {
      const details = await this.client.request<{ portalId: number }>('GET', '/account-info/v3/details');
      this.portalId = details.portalId;
    } catch {
      // The link is a convenience: without the portal id a contact simply has none.
    }
    return this.portalId;
  }

  private async ownerName(ownerId: string): Promise<string> {
    const known = this.ownerNames.get(ownerId);
    if (known !== undefined) return known;
    let name = ownerId;
    try {
      const owner = await this.client.request<{ email?: string; firstName?: string; lastName?: string }>('GET', `/crm/v3/owners/${encodeURIComponent(ownerId)}`);
      name = [owner.firstName, owner.lastName].filter(Boolean).join(' ') || owner.email || ownerId;
    } catch {
      // An owner we may not read is shown by id.
    }
    this.ownerNames.set(ownerId, name);
    return name;
  }

  private async toContact(object: HubspotObject): Promise<CrmContact> {
    const p = object.properties;
    const name = [p.firstname, p.lastname].filter((s): s is string => typeof s === 'string' && s.length > 0).join(' ');
    const identities: CrmIdentity[] = [];
    if (p.email) identities.push({ kind: 'email', value: p.email.toLowerCase() });
    for (const phone of [p.phone, p.mobilephone]) if (phone) identities.push({ kind: 'phone', value: phone });
    const portal = await this.portal();
    return {
      id: String(object.id),
      name: name.length > 0 ? name : null,
      company: p.company ?? null,
      owner: p.hubspot_owner_id ? await this.ownerName(p.hubspot_owner_id) : null,
      lifecycleStage: p.lifecyclestage ?? null,
      url: portal === null ? null : `${this.options.appUrl.replace(/\/+$/, '')}/contacts/${portal}/record/0-1/${object.id}`,
      identities,
    };
  }
}
