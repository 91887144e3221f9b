import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake received, in arrival order. */
export interface RecordedCall {
  method: string;
  path: string;
  body: unknown;
  status: number;
  at: number;
}

export type EngagementType = 'notes' | 'emails' | 'communications';
const ENGAGEMENT_TYPES: readonly EngagementType[] = ['notes', 'emails', 'communications'];
/** HubSpot-defined association type ids, engagement → contact. */
export const ASSOCIATION_TO_CONTACT: Record<EngagementType, number> = { notes: 202, emails: 198, communications: 81 };

export interface FakeObject {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
}

export interface FakeEngagement extends FakeObject {
  type: EngagementType;
  contactIds: string[];
}

interface Injected {
  status: number;
  retryAfterSeconds?: number | undefined;
  remaining: number;
  match?: ((method: string, path: string) => boolean) | undefined;
}

export interface HubspotFakeOptions {
  /** The private-app token the fake accepts (`Authorization: Bearer …`). */
  token?: string;
  /** Requests allowed per rolling 10 seconds before the fake answers 429 by itself (HubSpot's budget); default unlimited. */
  perTenSeconds?: number;
  portalId?: number;
}

const CONTACT_PROPERTIES = ['email', 'firstname', 'lastname', 'phone', 'mobilephone', 'company', 'hubspot_owner_id', 'lifecyclestage'];

/**
 * A loopback fake of the HubSpot CRM API at protocol level: contacts (list, search, batch read by id
 * or email, create, update, GDPR delete), notes / emails / communications with associations to
 * contacts (create, batch read, v4 association lists), owners and account details. It checks the
 * bearer token, records every call, keeps HubSpot's rate-limit headers and 10-second budget, and
 * answers 429s (with `Retry-After`) or 5xx on demand.
 */
export class HubspotFake {
  readonly calls: RecordedCall[] = [];
  readonly contacts = new Map<string, FakeObject>();
  readonly engagements = new Map<string, FakeEngagement>();
  readonly gdprDeleted: string[] = [];
  readonly owners = new Map<string, { id: string; email: string; firstName: string; lastName: string }>();
  token: string;
  perTenSeconds: number | null;
  readonly portalId: number;
  private server: Server | null = null;
  private nextId = 1000;
  private readonly injected: Injected[] = [];
  private readonly window: number[] = [];
  /** Milliseconds each answer waits (a slow CRM). */
  latencyMs = 0;
  /**
   * Awaited after a request took effect and before its answer is sent: a test can kill the caller
   * there, so HubSpot holds what the caller never learnt (the crash between answer and commit).
   */
  beforeAnswer: ((call: RecordedCall, status: number) => Promise<void>) | null = null;

  constructor(options: HubspotFakeOptions = {}) {
    this.token = options.token ?? 'pat-na1-fake-token';
    this.perTenSeconds = options.perTenSeconds ?? null;
    this.portalId = options.portalId ?? 4242;
  }

  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => this.send(res, 500, { status: 'error', message: String(error) }));
    });
    this.server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error('the HubSpot fake is not started');
    return `http://127.0.0.1:${address.port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The next `count` requests (matching `match`, when given) answer `status` (429 with `Retry-After`). */
  failNext(count: number, status: number, options: { retryAfterSeconds?: number; match?: (method: string, path: string) => boolean } = {}): void {
    this.injected.push({ status, remaining: count, retryAfterSeconds: options.retryAfterSeconds, match: options.match });
  }

  /** Adds a contact directly, as if made in HubSpot's UI. */
  addContact(properties: Record<string, string>): FakeObject {
    const now = new Date().toISOString();
    const contact = { id: String(++this.nextId), properties: { ...properties }, createdAt: now, updatedAt: now };
    this.contacts.set(contact.id, contact);
    return contact;
  }

  /** The engagements associated with a contact, in the order they were created. */
  engagementsOf(contactId: string, type?: EngagementType): FakeEngagement[] {
    return [...this.engagements.values()].filter((e) => e.contactIds.includes(contactId) && (type === undefined || e.type === type));
  }

  /** Calls that created engagements (POST /crm/v3/objects/{notes|emails|communications}) and were answered 201. */
  engagementCreates(): RecordedCall[] {
    return this.calls.filter((c) => c.method === 'POST' && /^\/crm\/v3\/objects\/(notes|emails|communications)$/.test(c.path) && c.status === 201);
  }

  private send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json;charset=utf-8', ...headers });
    res.end(text);
  }

  private async readBody(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if (text.length === 0) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return { unparseable: text };
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const body = await this.readBody(req);
    const call: RecordedCall = { method, path: url.pathname, body, status: 0, at: Date.now() };
    this.calls.push(call);
    const answer = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
      call.status = status;
      // The caller may be gone (killed while we waited): nothing to answer to.
      if (res.destroyed || res.socket?.destroyed) return;
      this.send(res, status, payload, headers);
    };
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));

    if (req.headers.authorization !== `Bearer ${this.token}`) {
      answer(401, {
        status: 'error',
        message: 'Authentication credentials not found. This API supports OAuth 2.0 authentication.',
        correlationId: 'fake',
        category: 'INVALID_AUTHENTICATION',
      });
      return;
    }
    const now = Date.now();
    while (this.window.length > 0 && this.window[0]! <= now - 10_000) this.window.shift();
    const limit = this.perTenSeconds;
    const rateHeaders: Record<string, string> =
      limit === null
        ? {}
        : { 'x-hubspot-ratelimit-max': String(limit), 'x-hubspot-ratelimit-remaining': String(Math.max(0, limit - this.window.length - 1)), 'x-hubspot-ratelimit-interval-milliseconds': '10000' };
    const injected = this.injected.find((i) => i.remaining > 0 && (i.match === undefined || i.match(method, url.pathname)));
    if (injected) {
      injected.remaining -= 1;
      if (injected.status === 429) {
        answer(
          429,
          { status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', correlationId: 'fake', policyName: 'TEN_SECONDLY_ROLLING' },
          { ...rateHeaders, 'x-hubspot-ratelimit-remaining': '0', ...(injected.retryAfterSeconds === undefined ? {} : { 'retry-after': String(injected.retryAfterSeconds) }) },
        );
      } else {
        answer(injected.status, { status: 'error', message: `injected failure ${injected.status}`, correlationId: 'fake' });
      }
      return;
    }
    if (limit !== null && this.window.length >= limit) {
      const retry = Math.max(1, Math.ceil((this.window[0]! + 10_000 - now) / 1000));
      answer(429, { status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING' }, { ...rateHeaders, 'x-hubspot-ratelimit-remaining': '0', 'retry-after': String(retry) });
      return;
    }
    this.window.push(now);
    const routed = this.route(method, url, body);
    if (this.beforeAnswer) await this.beforeAnswer(call, routed.status);
    answer(routed.status, routed.body, rateHeaders);
  }

  private stamp(): string {
    return new Date().toISOString();
  }

  private pick(object: FakeObject, properties: readonly string[]): FakeObject {
    const wanted = properties.length > 0 ? properties : CONTACT_PROPERTIES;
    return { ...object, properties: Object.fromEntries(wanted.map((p) => [p, object.properties[p] ?? null])) };
  }

  private route(method: string, url: URL, body: unknown): { status: number; body?: unknown } {
    const path = url.pathname;
    const input = (body ?? {}) as Record<string, unknown>;
    let match: RegExpMatchArray | null;
    if (method === 'GET' && path === '/account-info/v3/details') return { status: 200, body: { portalId: this.portalId, timeZone: 'UTC', companyCurrency: 'EUR', uiDomain: 'app.hubspot.com', dataHostingLocation: 'na1' } };
    if (method === 'GET' && (match = path.match(/^\/crm\/v3\/owners\/([^/]+)$/))) {
      const owner = this.owners.get(match[1]!);
      return owner ? { status: 200, body: { ...owner, archived: false } } : { status: 404, body: { status: 'error', message: 'Owner not found', category: 'OBJECT_NOT_FOUND' } };
    }
    if (path === '/crm/v3/objects/contacts' && method === 'GET') {
      const limit = Math.min(100, Number(url.searchParams.get('limit') ?? 10));
      const after = Number(url.searchParams.get('after') ?? 0);
      const all = [...this.contacts.values()];
      const page = all.slice(after, after + limit).map((c) => this.pick(c, []));
      return { status: 200, body: { results: page, ...(after + limit < all.length ? { paging: { next: { after: String(after + limit) } } } : {}) } };
    }
    if (path === '/crm/v3/objects/contacts' && method === 'POST') {
      const properties = (input.properties ?? {}) as Record<string, string>;
      const email = properties.email?.toLowerCase();
      const existing = email ? [...this.contacts.values()].find((c) => c.properties.email?.toLowerCase() === email) : undefined;
      if (existing) return { status: 409, body: { status: 'error', message: `Contact already exists. Existing ID: ${existing.id}`, category: 'CONFLICT' } };
      return { status: 201, body: this.pick(this.addContact(properties), []) };
    }
    if (path === '/crm/v3/objects/contacts/search' && method === 'POST') {
      const groups = (input.filterGroups ?? []) as { filters: { propertyName: string; operator: string; value?: string }[] }[];
      if (groups.length > 5) return { status: 400, body: { status: 'error', message: 'too many filterGroups (max 5)', category: 'VALIDATION_ERROR' } };
      const hits = [...this.contacts.values()].filter((c) => groups.some((g) => g.filters.every((f) => f.operator === 'EQ' && (c.properties[f.propertyName] ?? '').toLowerCase() === (f.value ?? '').toLowerCase())));
      const limit = Math.min(200, Number(input.limit ?? 10));
      const after = Number(input.after ?? 0);
      const page = hits.slice(after, after + limit).map((c) => this.pick(c, (input.properties as string[] | undefined) ?? []));
      return { status: 200, body: { total: hits.length, results: page, ...(after + limit < hits.length ? { paging: { next: { after: String(after + limit) } } } : {}) } };
    }
    if (path === '/crm/v3/objects/contacts/batch/read' && method === 'POST') {
      const inputs = (input.inputs ?? []) as { id: string }[];
      if (inputs.length > 100) return { status: 400, body: { status: 'error', message: 'batch size over 100', category: 'VALIDATION_ERROR' } };
      const byEmail = input.idProperty === 'email';
      const results = inputs.flatMap(({ id }) => {
        const found = byEmail ? [...this.contacts.values()].find((c) => c.properties.email?.toLowerCase() === id.toLowerCase()) : this.contacts.get(id);
        return found ? [this.pick(found, (input.properties as string[] | undefined) ?? [])] : [];
      });
      return { status: 200, body: { status: 'COMPLETE', results } };
    }
    if (path === '/crm/v3/objects/contacts/gdpr-delete' && method === 'POST') {
      const id = String(input.objectId ?? '');
      if (!this.contacts.has(id)) return { status: 404, body: { status: 'error', message: 'resource not found', category: 'OBJECT_NOT_FOUND' } };
      this.contacts.delete(id);
      this.gdprDeleted.push(id);
      for (const engagement of this.engagements.values()) engagement.contactIds = engagement.contactIds.filter((c) => c !== id);
      return { status: 204 };
    }
    if ((match = path.match(/^\/crm\/v3\/objects\/contacts\/(\d+)$/))) {
      const contact = this.contacts.get(match[1]!);
      if (!contact) return { status: 404, body: { status: 'error', message: 'resource not found', category: 'OBJECT_NOT_FOUND' } };
      if (method === 'GET') return { status: 200, body: this.pick(contact, []) };
      if (method === 'PATCH') {
        Object.assign(contact.properties, (input.properties ?? {}) as Record<string, string>);
        contact.updatedAt = this.stamp();
        return { status: 200, body: this.pick(contact, []) };
      }
    }
    if ((match = path.match(/^\/crm\/v4\/objects\/contacts\/(\d+)\/associations\/(notes|emails|communications)$/)) && method === 'GET') {
      const linked = this.engagementsOf(match[1]!, match[2] as EngagementType);
      const limit = Math.min(500, Number(url.searchParams.get('limit') ?? 500));
      const after = Number(url.searchParams.get('after') ?? 0);
      const page = linked.slice(after, after + limit).map((e) => ({ toObjectId: Number(e.id), associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: ASSOCIATION_TO_CONTACT[e.type], label: null }] }));
      return { status: 200, body: { results: page, ...(after + limit < linked.length ? { paging: { next: { after: String(after + limit) } } } : {}) } };
    }
    for (const type of ENGAGEMENT_TYPES) {
      if (path === `/crm/v3/objects/${type}` && method === 'POST') return this.createEngagement(type, input);
      if (path === `/crm/v3/objects/${type}/batch/read` && method === 'POST') {
        const inputs = (input.inputs ?? []) as { id: string }[];
        if (inputs.length > 100) return { status: 400, body: { status: 'error', message: 'batch size over 100', category: 'VALIDATION_ERROR' } };
        const wanted = (input.properties as string[] | undefined) ?? [];
        const results = inputs.flatMap(({ id }) => {
          const found = this.engagements.get(String(id));
          return found && found.type === type ? [{ id: found.id, properties: Object.fromEntries(wanted.map((p) => [p, found.properties[p] ?? null])), createdAt: found.createdAt, updatedAt: found.updatedAt }] : [];
        });
        return { status: 200, body: { status: 'COMPLETE', results } };
      }
    }
    return { status: 404, body: { status: 'error', message: `no route ${method} ${path}` } };
  }

  private createEngagement(type: EngagementType, input: Record<string, unknown>): { status: number; body?: unknown } {
    const properties = (input.properties ?? {}) as Record<string, string>;
    if (!properties.hs_timestamp) return { status: 400, body: { status: 'error', message: 'Property values were not valid: hs_timestamp is required', category: 'VALIDATION_ERROR' } };
    if (type === 'communications' && !['SMS', 'WHATS_APP', 'LINKEDIN_MESSAGE'].includes(properties.hs_communication_channel_type ?? '')) {
      return { status: 400, body: { status: 'error', message: 'hs_communication_channel_type must be SMS, WHATS_APP or LINKEDIN_MESSAGE', category: 'VALIDATION_ERROR' } };
    }
    const associations = (input.associations ?? []) as { to: { id: string }; types: { associationCategory: string; associationTypeId: number }[] }[];
    const contactIds: string[] = [];
    for (const association of associations) {
      const typeId = association.types[0]?.associationTypeId;
      if (typeId !== ASSOCIATION_TO_CONTACT[type]) return { status: 400, body: { status: 'error', message: `association type ${typeId} is not ${type} → contact`, category: 'VALIDATION_ERROR' } };
      if (!this.contacts.has(String(association.to.id))) {
        return { status: 404, body: { status: 'error', message: `One or more associated objects could not be found: contact ${association.to.id} does not exist`, category: 'OBJECT_NOT_FOUND' } };
      }
      contactIds.push(String(association.to.id));
    }
    const now = this.stamp();
    const engagement: FakeEngagement = { id: String(++this.nextId), type, properties: { ...properties }, createdAt: now, updatedAt: now, contactIds };
    this.engagements.set(engagement.id, engagement);
    return { status: 201, body: { id: engagement.id, properties: engagement.properties, createdAt: now, updatedAt: now, archived: false } };
  }
}
