import { createSign, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';

/** One call the bot made to the connector. */
export interface ConnectorCall {
  kind: 'send' | 'reply' | 'update' | 'create';
  conversationId: string;
  /** The activity replied to (reply) or replaced (update). */
  activityId?: string | undefined;
  /** The id the fake gave a new activity (send, reply). */
  newId?: string | undefined;
  authorization?: string | undefined;
  activity: { type?: string; text?: string; replyToId?: string; attachments?: { contentType: string; content: Record<string, unknown> }[] };
}

const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

const base64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

/**
 * A loopback Bot Framework: the connector (`/v3/conversations/...`, recording every call), the
 * channel's OpenID metadata and signing keys (`/openid`, `/keys`) and an AAD token endpoint
 * (`/<tenant>/oauth2/v2.0/token`). `sign()` makes the JWT Teams would put on an activity.
 */
export class FakeBotFramework {
  readonly calls: ConnectorCall[] = [];
  readonly tokenRequests: URLSearchParams[] = [];
  /** Answer token requests with this status (401: bad client secret). */
  tokenStatus = 200;
  readonly #keyId = randomUUID();
  readonly #privateKey: KeyObject;
  readonly #jwk: Record<string, unknown>;
  #server: Server | undefined;
  url = '';

  private constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.#privateKey = privateKey;
    this.#jwk = { ...publicKey.export({ format: 'jwk' }), kid: this.#keyId, kty: 'RSA', use: 'sig', endorsements: ['msteams'] };
  }

  static async start(): Promise<FakeBotFramework> {
    const fake = new FakeBotFramework();
    fake.#server = createServer((req, res) => {
      fake.#handle(req).then(
        ({ status, body }) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
    });
    fake.#server.listen(0, '127.0.0.1');
    await once(fake.#server, 'listening');
    const address = fake.#server.address();
    fake.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
    return fake;
  }

  get openIdMetadataUrl(): string {
    return `${this.url}openid`;
  }

  get loginUrl(): string {
    return this.url.replace(/\/$/, '');
  }

  /** A channel token for `appId`, signed with the published key unless `key` says otherwise. */
  sign(appId: string, options: { serviceUrl?: string; issuer?: string; expiresInSeconds?: number; foreignKey?: boolean } = {}): string {
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'RS256', typ: 'JWT', kid: this.#keyId };
    const claims = {
      iss: options.issuer ?? 'https://api.botframework.com',
      aud: appId,
      serviceurl: options.serviceUrl ?? this.url,
      nbf: now - 10,
      iat: now - 10,
      exp: now + (options.expiresInSeconds ?? 600),
    };
    const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    const key = options.foreignKey ? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey : this.#privateKey;
    const signature = createSign('RSA-SHA256').update(input).sign(key);
    return `${input}.${base64url(signature)}`;
  }

  /** Calls into one conversation, in order. */
  callsTo(conversationId: string): ConnectorCall[] {
    return this.calls.filter((c) => c.conversationId === conversationId);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()) ?? resolve());
  }

  async #handle(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const raw = await readBody(req);
    if (req.method === 'GET' && url.pathname === '/openid') return { status: 200, body: { issuer: 'https://api.botframework.com', jwks_uri: `${this.url}keys` } };
    if (req.method === 'GET' && url.pathname === '/keys') return { status: 200, body: { keys: [this.#jwk] } };
    if (req.method === 'POST' && /\/oauth2\/v2\.0\/token$/.test(url.pathname)) {
      this.tokenRequests.push(new URLSearchParams(raw));
      return this.tokenStatus === 200 ? { status: 200, body: { token_type: 'Bearer', expires_in: 3600, access_token: `fake-token-${randomUUID()}` } } : { status: this.tokenStatus, body: { error: 'invalid_client' } };
    }
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] !== 'v3' || parts[1] !== 'conversations') return { status: 404, body: {} };
    const activity = raw ? (JSON.parse(raw) as ConnectorCall['activity']) : {};
    const authorization = req.headers.authorization;
    const [conversationId = '', collection, activityId] = parts.slice(2);
    if (parts.length === 2) {
      const id = `a:${randomUUID()}`;
      this.calls.push({ kind: 'create', conversationId: id, activity, authorization });
      return { status: 200, body: { id, activityId: randomUUID() } };
    }
    if (collection !== 'activities') return { status: 404, body: {} };
    if (req.method === 'PUT' && activityId) {
      this.calls.push({ kind: 'update', conversationId, activityId, activity, authorization });
      return { status: 200, body: { id: activityId } };
    }
    const newId = randomUUID();
    this.calls.push({ kind: activityId ? 'reply' : 'send', conversationId, activityId, newId, activity, authorization });
    return { status: 200, body: { id: newId } };
  }
}

/** An activity as Teams posts it to the bot. */
export const teamsActivity = (fake: FakeBotFramework, user: { id: string; aadObjectId?: string; name?: string }, fields: Record<string, unknown>) => ({
  id: randomUUID(),
  channelId: 'msteams',
  serviceUrl: fake.url,
  timestamp: new Date().toISOString(),
  from: { id: user.id, name: user.name ?? 'Agent', aadObjectId: user.aadObjectId },
  recipient: { id: '28:bot', name: 'Switchboard' },
  conversation: { id: `a:chat-${user.id}`, conversationType: 'personal', tenantId: 'tenant-1' },
  channelData: { tenant: { id: 'tenant-1' } },
  ...fields,
});
