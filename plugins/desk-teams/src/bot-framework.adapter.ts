// The only file that knows botbuilder. Everything else in the plugin speaks the neutral types
// below; moving to the Microsoft 365 Agents SDK (@microsoft/agents-hosting) replaces this file.
import { CloudAdapter, TurnContext, type Activity, type ConversationReference } from 'botbuilder';
import {
  AppCredentials,
  AuthenticationConstants,
  BotFrameworkAuthenticationFactory,
  ClaimsIdentity,
  ServiceClientCredentialsFactory,
  type AuthenticatorResult,
  type BotFrameworkAuthentication,
  type ConnectorClient,
  type ServiceClientCredentials,
} from 'botframework-connector';

/** Who wrote an activity, as Teams names them: `29:…` (the Bot Framework id) and the AAD object id. */
export interface TeamsUser {
  id: string;
  aadObjectId?: string | undefined;
  name?: string | undefined;
}

/** An inbound activity, reduced to what the desk reads. */
export interface IncomingActivity {
  type: string;
  id?: string | undefined;
  text?: string | undefined;
  /** The data of an Adaptive Card Action.Submit. */
  value?: unknown;
  replyToId?: string | undefined;
  from: TeamsUser;
  /** Members added by a conversationUpdate (the bot itself when installed). */
  membersAdded: TeamsUser[];
  /** `add` / `remove` for installationUpdate. */
  action?: string | undefined;
}

/** Everything needed to reach a Teams user later (a proactive message): JSON, stored in the hub. */
export interface StoredReference {
  serviceUrl: string;
  channelId: string;
  conversationId: string;
  tenantId?: string | undefined;
  bot: { id: string; name?: string | undefined };
  user: TeamsUser;
}

/** What the desk sends: a text, an Adaptive Card, or both. */
export interface OutgoingMessage {
  text?: string | undefined;
  /** An Adaptive Card (JSON), sent as an attachment. */
  card?: Record<string, unknown> | undefined;
}

/** One inbound turn as the desk handles it. */
export interface Turn {
  activity: IncomingActivity;
  reference: StoredReference;
  /** Answers in the conversation the activity came from (a reply to it). */
  answer(message: OutgoingMessage): Promise<string | undefined>;
}

export interface BotFrameworkOptions {
  /** Absent: development mode, no JWT check and no token on outbound calls. */
  appId?: string | undefined;
  appPassword?: string | undefined;
  tenantId?: string | undefined;
  /** Where the channel's signing keys are published (tests point it at a loopback fake). */
  openIdMetadataUrl: string;
  /** Issuer the channel's tokens carry. */
  tokenIssuer: string;
  /** The AAD token endpoint base for outbound calls: `<loginUrl>/<tenant>/oauth2/v2.0/token`. */
  loginUrl: string;
}

/** A JWT or a request the channel did not sign: answer 401 and do nothing. */
export class UnauthorizedActivity extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnauthorizedActivity';
  }
}

export const DEFAULT_OPENID_METADATA_URL = AuthenticationConstants.ToBotFromChannelOpenIdMetadataUrl;
export const DEFAULT_TOKEN_ISSUER = AuthenticationConstants.ToBotFromChannelTokenIssuer;
export const DEFAULT_LOGIN_URL = 'https://login.microsoftonline.com';
const BOT_SCOPE = `${AuthenticationConstants.ToChannelFromBotOAuthScope}/.default`;

// OAuth client credentials against a configurable token endpoint. botbuilder's own credentials go
// through MSAL, which accepts only https authorities: this keeps the endpoint configurable (proxies,
// sovereign clouds, a loopback fake in tests) with one standard POST.
class ClientSecretCredentials extends AppCredentials {
  constructor(
    appId: string,
    private readonly secret: string,
    private readonly tenantId: string,
    private readonly loginUrl: string,
  ) {
    super(appId, tenantId, BOT_SCOPE);
  }

  protected async refreshToken(): Promise<AuthenticatorResult> {
    const url = `${this.loginUrl.replace(/\/+$/, '')}/${encodeURIComponent(this.tenantId)}/oauth2/v2.0/token`;
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: this.appId, client_secret: this.secret, scope: this.oAuthScope }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`token endpoint answered ${response.status}`);
    const body = (await response.json()) as { access_token?: unknown; expires_in?: unknown };
    if (typeof body.access_token !== 'string') throw new Error('token endpoint answered without access_token');
    const seconds = typeof body.expires_in === 'number' ? body.expires_in : 3600;
    return { accessToken: body.access_token, expiresOn: new Date(Date.now() + seconds * 1000) };
  }
}

class SingleAppCredentialsFactory extends ServiceClientCredentialsFactory {
  constructor(private readonly options: BotFrameworkOptions) {
    super();
  }

  async isValidAppId(appId: string): Promise<boolean> {
    return this.options.appId !== undefined && appId === this.options.appId;
  }

  async isAuthenticationDisabled(): Promise<boolean> {
    return this.options.appId === undefined;
  }

  async createCredentials(appId: string): Promise<ServiceClientCredentials> {
    const { appId: ownId, appPassword, tenantId, loginUrl } = this.options;
    if (ownId === undefined) return { signRequest: async (request) => request };
    if (appId !== ownId) throw new Error('credentials asked for another app id');
    return new ClientSecretCredentials(ownId, appPassword ?? '', tenantId ?? AuthenticationConstants.DefaultChannelAuthTenant, loginUrl);
  }
}

const toUser = (account: { id?: string; aadObjectId?: string; name?: string } | undefined): TeamsUser => ({
  id: account?.id ?? '',
  aadObjectId: account?.aadObjectId,
  name: account?.name,
});

const toIncoming = (activity: Activity): IncomingActivity => ({
  type: activity.type,
  id: activity.id,
  text: activity.text,
  value: activity.value as unknown,
  replyToId: activity.replyToId,
  from: toUser(activity.from),
  membersAdded: (activity.membersAdded ?? []).map(toUser),
  action: activity.action,
});

const tenantOf = (activity: Partial<Activity>): string | undefined => {
  const data = activity.channelData as { tenant?: { id?: unknown } } | undefined;
  return typeof data?.tenant?.id === 'string' ? data.tenant.id : activity.conversation?.tenantId;
};

const toStored = (activity: Activity): StoredReference => {
  const ref = TurnContext.getConversationReference(activity);
  return {
    serviceUrl: ref.serviceUrl ?? '',
    channelId: ref.channelId ?? 'msteams',
    conversationId: ref.conversation?.id ?? '',
    tenantId: tenantOf(activity),
    bot: { id: ref.bot?.id ?? '', name: ref.bot?.name },
    user: toUser(ref.user),
  };
};

const toReference = (stored: StoredReference): Partial<ConversationReference> => ({
  serviceUrl: stored.serviceUrl,
  channelId: stored.channelId,
  conversation: { id: stored.conversationId, isGroup: false, conversationType: 'personal', name: '', ...(stored.tenantId ? { tenantId: stored.tenantId } : {}) },
  bot: { id: stored.bot.id, name: stored.bot.name ?? '' },
  user: { id: stored.user.id, name: stored.user.name ?? '', ...(stored.user.aadObjectId ? { aadObjectId: stored.user.aadObjectId } : {}) },
});

const toActivity = (message: OutgoingMessage): Partial<Activity> => ({
  type: 'message',
  ...(message.text === undefined ? {} : { text: message.text }),
  ...(message.card === undefined ? {} : { attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: message.card }] }),
});

/** The Bot Framework behind neutral calls: inbound turns, and proactive send / reply / update. */
export class BotFrameworkConnection {
  readonly #adapter: CloudAdapter;
  readonly #auth: BotFrameworkAuthentication;
  readonly #factory: SingleAppCredentialsFactory;
  /** Connector clients by service URL (a few per hub: one per region). */
  readonly #clients = new Map<string, Promise<ConnectorClient>>();

  constructor(private readonly options: BotFrameworkOptions) {
    this.#factory = new SingleAppCredentialsFactory(options);
    this.#auth = BotFrameworkAuthenticationFactory.create(
      '',
      false,
      `${options.loginUrl.replace(/\/+$/, '')}/${options.tenantId ?? AuthenticationConstants.DefaultChannelAuthTenant}`,
      AuthenticationConstants.ToChannelFromBotOAuthScope,
      options.tokenIssuer,
      AuthenticationConstants.OAuthUrl,
      options.openIdMetadataUrl,
      AuthenticationConstants.ToBotFromEmulatorOpenIdMetadataUrl,
      '',
      this.#factory,
      { requiredEndorsements: [] },
    );
    this.#adapter = new CloudAdapter(this.#auth);
  }

  get developmentMode(): boolean {
    return this.options.appId === undefined;
  }

  /**
   * Authenticates one POSTed activity (the JWT in `authorization`, when an app id is configured),
   * then runs `handle` on it. Rejects with `UnauthorizedActivity` before anything runs.
   */
  async process(authorization: string, body: unknown, handle: (turn: Turn) => Promise<void>): Promise<void> {
    const activity = body as Activity;
    let authenticated;
    try {
      authenticated = await this.#auth.authenticateRequest(activity, authorization);
    } catch (error) {
      throw new UnauthorizedActivity(error instanceof Error ? error.message.split('\n')[0] ?? 'unauthorized' : 'unauthorized');
    }
    await this.#adapter.processActivityDirect(authenticated, activity, async (context) => {
      await handle({
        activity: toIncoming(context.activity),
        reference: toStored(context.activity),
        answer: async (message) => (await context.sendActivity(toActivity(message)))?.id,
      });
    });
  }

  /** A new top-level message in the user's chat; answers its activity id. */
  async send(reference: StoredReference, message: OutgoingMessage): Promise<string> {
    return this.#withClient(reference, async (client) => {
      const sent = await client.conversations.sendToConversation(reference.conversationId, toActivity(message) as Activity);
      return sent.id ?? '';
    });
  }

  /** A reply to an earlier activity: it goes into that activity's reply chain. */
  async reply(reference: StoredReference, replyToId: string, message: OutgoingMessage): Promise<string> {
    return this.#withClient(reference, async (client) => {
      const sent = await client.conversations.replyToActivity(reference.conversationId, replyToId, { ...toActivity(message), replyToId } as Activity);
      return sent.id ?? '';
    });
  }

  /** Replaces an earlier activity in place (a card that changed state). */
  async update(reference: StoredReference, activityId: string, message: OutgoingMessage): Promise<void> {
    await this.#withClient(reference, async (client) => {
      await client.conversations.updateActivity(reference.conversationId, activityId, { ...toActivity(message), id: activityId } as Activity);
    });
  }

  /** Acquires an outbound token (the connection test); development mode has none to acquire. */
  async acquireToken(): Promise<'development mode' | 'token acquired'> {
    const { appId } = this.options;
    if (appId === undefined) return 'development mode';
    const credentials = await this.#factory.createCredentials(appId);
    if (credentials instanceof AppCredentials) await credentials.getToken(true);
    return 'token acquired';
  }

  async #withClient<T>(reference: StoredReference, work: (client: ConnectorClient) => Promise<T>): Promise<T> {
    return work(await this.#clientFor(reference.serviceUrl));
  }

  // The connector client the adapter would make for a proactive turn, made once per service URL:
  // continueConversationAsync built a new one (and a user token client and a turn through the
  // middleware) for every card. Its credentials sign each request with the token cache's token.
  #clientFor(serviceUrl: string): Promise<ConnectorClient> {
    const known = this.#clients.get(serviceUrl);
    if (known) return known;
    const appId = this.options.appId ?? '';
    const identity = new ClaimsIdentity([
      { type: AuthenticationConstants.AudienceClaim, value: appId },
      { type: AuthenticationConstants.AppIdClaim, value: appId },
    ]);
    const made = this.#auth.createConnectorFactory(identity).create(serviceUrl, undefined);
    // A client that could not be made is made again by the next call.
    made.catch(() => this.#clients.delete(serviceUrl));
    if (this.#clients.size >= 100) this.#clients.delete(this.#clients.keys().next().value ?? '');
    this.#clients.set(serviceUrl, made);
    return made;
  }
}
