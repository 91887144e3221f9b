import { request as httpRequest } from 'node:http';
import { z } from 'zod';

// The shapes of API.md the tests rely on; loose objects, as more fields may be added.
export const InboundAnswer = z.looseObject({
  interactionId: z.string(),
  customerId: z.string(),
  conversationId: z.string(),
  duplicate: z.boolean(),
});
export type InboundAnswer = z.infer<typeof InboundAnswer>;

export const Queue = z.looseObject({ id: z.string(), name: z.string() });
export const Agent = z.looseObject({ id: z.string(), name: z.string(), presence: z.string() });

export const Offer = z.looseObject({
  id: z.string(),
  conversationId: z.string(),
  agentId: z.string(),
  queueId: z.string(),
  status: z.string(),
});
export type Offer = z.infer<typeof Offer>;

export const Delivery = z.looseObject({ status: z.string(), reason: z.string().nullish(), attempts: z.number().optional() });

export const Interaction = z.looseObject({
  id: z.string(),
  conversationId: z.string(),
  customerId: z.string(),
  channel: z.string(),
  direction: z.string(),
  type: z.string(),
  text: z.string(),
  occurredAt: z.string(),
  digest: z.string(),
  delivery: Delivery.nullish(),
});
export type Interaction = z.infer<typeof Interaction>;

export const Conversation = z.looseObject({
  id: z.string(),
  customerId: z.string(),
  status: z.string(),
  queueId: z.string().nullish(),
  assignment: z.looseObject({ agentId: z.string() }).nullish(),
});
export const ConversationWithInteractions = Conversation.extend({ interactions: z.array(Interaction) });

export const Customer = z.looseObject({
  id: z.string(),
  identities: z.array(z.looseObject({ kind: z.string(), value: z.string() })),
});

export const page = <T extends z.ZodType>(item: T) =>
  z.looseObject({ items: z.array(item), nextCursor: z.string().nullish() });

export const VerifyAnswer = z.looseObject({ ok: z.boolean(), entries: z.number().optional() });

export const PluginInfo = z.looseObject({
  id: z.string(),
  use: z.string(),
  kinds: z.array(z.string()),
  health: z.looseObject({ status: z.string(), detail: z.string().optional() }),
});

export const ApiKeyCreated = z.looseObject({ key: z.string() });

export const Problem = z.looseObject({ type: z.string().optional(), title: z.string().optional(), status: z.number().optional() });

export interface HubResponse {
  status: number;
  contentType: string;
  /** Parsed JSON when the body is JSON, else the text. */
  body: unknown;
  text: string;
}

export interface RequestOptions {
  /** A body sent as is (not JSON-encoded), e.g. malformed JSON. */
  raw?: string;
  /** Override the bearer key; `null` sends no Authorization header. */
  key?: string | null;
  headers?: Record<string, string>;
  timeoutMs?: number;
  /**
   * Send on a connection of its own that is closed afterwards (node:http, no agent), so an answer
   * given before the body was read (413) cannot leave a half-used socket in fetch's pool.
   */
  ownConnection?: boolean;
}

const toHubResponse = (status: number, contentType: string, text: string): HubResponse => {
  let body: unknown = text;
  if (/json/i.test(contentType) && text.length > 0) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status, contentType, body, text };
};

export class HubHttpError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly response: HubResponse,
  ) {
    super(`${method} ${path} → ${response.status} ${response.text.slice(0, 800)}`);
    this.name = 'HubHttpError';
  }
}

/** A small HTTP client for the hub's API with a bearer key. */
export class HubClient {
  constructor(
    readonly baseUrl: string,
    readonly key: string | null,
  ) {}

  withKey(key: string | null): HubClient {
    return new HubClient(this.baseUrl, key);
  }

  async request(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<HubResponse> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    const key = options.key === undefined ? this.key : options.key;
    if (key !== null) headers['authorization'] = `Bearer ${key}`;
    let payload: string | undefined;
    if (options.raw !== undefined) payload = options.raw;
    else if (body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined) headers['content-type'] ??= 'application/json';
    if (options.ownConnection) return this.#requestOnOwnConnection(method, path, headers, payload, options.timeoutMs ?? 30_000);
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: payload ?? null,
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
    return toHubResponse(response.status, response.headers.get('content-type') ?? '', await response.text());
  }

  #requestOnOwnConnection(method: string, path: string, headers: Record<string, string>, payload: string | undefined, timeoutMs: number): Promise<HubResponse> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        `${this.baseUrl}${path}`,
        { method, headers: { ...headers, connection: 'close' }, agent: false, timeout: timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const contentType = res.headers['content-type'] ?? '';
            resolve(toHubResponse(res.statusCode ?? 0, contentType, Buffer.concat(chunks).toString('utf8')));
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  get(path: string, options?: RequestOptions) {
    return this.request('GET', path, undefined, options);
  }
  post(path: string, body?: unknown, options?: RequestOptions) {
    return this.request('POST', path, body, options);
  }
  put(path: string, body?: unknown, options?: RequestOptions) {
    return this.request('PUT', path, body, options);
  }

  /** Sends the request, expects a 2xx and parses the body with `schema`; throws HubHttpError otherwise. */
  async call<T extends z.ZodType>(schema: T, method: string, path: string, body?: unknown): Promise<z.infer<T>> {
    const response = await this.request(method, path, body);
    if (response.status < 200 || response.status >= 300) throw new HubHttpError(method, path, response);
    const parsed = schema.safeParse(response.body);
    if (!parsed.success) {
      throw new Error(`${method} ${path}: unexpected answer shape: ${parsed.error.message}\n${response.text.slice(0, 800)}`);
    }
    return parsed.data;
  }

  // --- the calls of the walking skeleton -------------------------------------------------------

  createQueue(input: Record<string, unknown> & { name: string }) {
    return this.call(Queue, 'POST', '/v1/queues', input);
  }
  createAgent(input: Record<string, unknown> & { name: string }) {
    return this.call(Agent, 'POST', '/v1/agents', input);
  }
  setPresence(agentId: string, status: 'available' | 'busy' | 'away' | 'offline') {
    return this.call(z.unknown(), 'PUT', `/v1/agents/${agentId}/presence`, { status });
  }
  inbound(message: InboundInput) {
    return this.call(InboundAnswer, 'POST', '/v1/inbound', message);
  }
  /** Every item of a cursor-paginated list, following `nextCursor` (at most `maxPages` pages). */
  async listAll<T extends z.ZodType>(item: T, path: string, maxPages = 100): Promise<Array<z.infer<T>>> {
    const items: Array<z.infer<T>> = [];
    const separator = path.includes('?') ? '&' : '?';
    let cursor: string | null | undefined;
    for (let pages = 0; pages < maxPages; pages++) {
      const suffix = cursor ? `${separator}cursor=${encodeURIComponent(cursor)}` : '';
      const result = await this.call(page(item), 'GET', `${path}${suffix}`);
      items.push(...result.items);
      cursor = result.nextCursor;
      if (!cursor) return items;
    }
    throw new Error(`GET ${path}: more than ${maxPages} pages`);
  }

  pendingOffers(agentId: string) {
    return this.listAll(Offer, `/v1/agents/${agentId}/offers?limit=100`);
  }
  allOffers(agentId: string) {
    return this.listAll(Offer, `/v1/agents/${agentId}/offers?status=all&limit=100`);
  }
  accept(offerId: string) {
    return this.call(z.unknown(), 'POST', `/v1/offers/${offerId}/accept`, {});
  }
  reply(conversationId: string, agentId: string, text: string) {
    return this.call(Interaction.or(z.looseObject({})), 'POST', `/v1/conversations/${conversationId}/replies`, { agentId, text });
  }
  resolve(conversationId: string) {
    return this.call(z.unknown(), 'POST', `/v1/conversations/${conversationId}/resolve`, {});
  }
  conversation(conversationId: string) {
    return this.call(ConversationWithInteractions, 'GET', `/v1/conversations/${conversationId}`);
  }
  customer(customerId: string) {
    return this.call(Customer, 'GET', `/v1/customers/${customerId}`);
  }
  findCustomers(identity: string) {
    return this.call(page(Customer), 'GET', `/v1/customers?identity=${encodeURIComponent(identity)}`);
  }
  timeline(customerId: string) {
    return this.call(page(Interaction), 'GET', `/v1/customers/${customerId}/timeline?limit=200`);
  }
  verify(conversationId: string) {
    return this.call(VerifyAnswer, 'GET', `/v1/conversations/${conversationId}/verify`);
  }
  plugins() {
    return this.call(page(PluginInfo), 'GET', '/v1/plugins');
  }
  createApiKey(name: string, scopes: string[]) {
    return this.call(ApiKeyCreated, 'POST', '/v1/api-keys', { name, scopes });
  }
}

export interface InboundInput {
  channel: string;
  externalId: string;
  from: { kind: string; value: string; name?: string };
  subject?: string;
  text: string;
  threadRef?: string;
}

const FieldErrors = z.looseObject({ errors: z.array(z.looseObject({ field: z.string() })) });

/**
 * Whether a problem+json body names `field` (dotted): in `errors[].field` when the body has that
 * list, else anywhere in the body in a usual path spelling.
 */
export const namesField = (body: unknown, field: string): boolean => {
  const listed = FieldErrors.safeParse(body);
  if (listed.success) return listed.data.errors.some((error) => error.field === field);
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const parts = field.split('.');
  const forms = [
    field,
    `/${parts.join('/')}`,
    JSON.stringify(parts),
    parts.map((part) => `"${part}"`).join(','),
  ];
  return forms.some((form) => text.includes(form));
};
