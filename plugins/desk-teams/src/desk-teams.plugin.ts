import { definePlugin, secret, stateRetention, type Health, type PluginHttpRoute } from '@switchboard/core';
import { z } from 'zod';
import { BotFrameworkConnection, DEFAULT_LOGIN_URL, DEFAULT_OPENID_METADATA_URL, DEFAULT_TOKEN_ISSUER, UnauthorizedActivity } from './bot-framework.adapter.js';
import { TeamsAgentDesk } from './teams-agent-desk.js';
import { TeamsBot } from './teams-bot.js';
import { TEAMS_EXPIRING_PREFIXES, TeamsDeskState } from './teams-state.js';

export const teamsConfigSchema = z
  .strictObject({
    /** The bot's Microsoft App ID. Absent: development mode (no JWT check), logged loudly at every start. */
    appId: z.string().min(1).optional(),
    appPassword: secret(z.string().min(1)).optional(),
    /** The bot's AAD tenant (single-tenant bots); default `botframework.com`. */
    tenantId: z.string().min(1).optional(),
    /** Where the Bot Framework publishes its signing keys; tests and proxies point it elsewhere. */
    openIdMetadataUrl: z.url({ protocol: /^https?$/ }).default(DEFAULT_OPENID_METADATA_URL),
    tokenIssuer: z.string().min(1).default(DEFAULT_TOKEN_ISSUER),
    /** Base of the AAD token endpoint used for outbound calls. */
    loginUrl: z.url({ protocol: /^https?$/ }).default(DEFAULT_LOGIN_URL),
    /** Told to unknown Teams users: how they get linked to an agent. */
    linkHint: z.string().min(1).default('Ask a Switchboard admin to link your Teams id to your agent (PATCH /v1/agents/{id} with desk.teams).'),
    /**
     * Days the desk remembers the card of an offer and the posts it made (to update a card once the
     * offer is answered, and to show a post once however often its job runs). Longer than the
     * longest offer timeout (one day); references and reply chains are kept.
     */
    stateRetentionDays: z.number().int().min(2).max(3650).default(30),
  })
  .superRefine((config, ctx) => {
    if (config.appId !== undefined && config.appPassword === undefined) {
      ctx.addIssue({ code: 'custom', path: ['appPassword'], message: 'appPassword is required when appId is set' });
    }
  });
export type TeamsConfig = z.output<typeof teamsConfigSchema>;

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export const teamsPlugin = definePlugin({
  id: '@switchboard/desk-teams',
  displayName: 'Microsoft Teams desk',
  version: '0.1.0',
  apiVersion: 1,
  kinds: ['desk'],
  configSchema: teamsConfigSchema,
  create(context, config) {
    // The hub's logger already names the instance.
    const logger = context.logger;
    const connection = new BotFrameworkConnection(config);
    const state = new TeamsDeskState(context.state);
    const retention = stateRetention({ state: context.state, clock: context.clock, logger, prefixes: TEAMS_EXPIRING_PREFIXES, maxAgeMs: config.stateRetentionDays * 86_400_000 });
    const desk = new TeamsAgentDesk(connection, state, context.reads, context.clock);
    const bot = new TeamsBot({ desk: context.desk, reads: context.reads, state, agentDesk: desk, logger, linkHint: config.linkHint });
    let lastError: string | null = null;

    const messages: PluginHttpRoute = {
      method: 'POST',
      path: '/messages',
      summary: 'Bot Framework activities from Microsoft Teams (the bot\'s messaging endpoint)',
      description:
        'Teams (through the Bot Framework) posts activities here: installs, messages, card clicks. With an appId configured the ' +
        'Authorization header must carry a valid Bot Framework JWT (401 otherwise); without one the desk runs in development mode.',
      async handle(request) {
        let body: unknown;
        try {
          body = JSON.parse(Buffer.from(request.rawBody).toString('utf8'));
        } catch {
          return { status: 400, headers: { 'content-type': 'application/problem+json' }, body: { type: 'about:blank', title: 'malformed JSON', status: 400 } };
        }
        if (typeof body !== 'object' || body === null || typeof (body as { type?: unknown }).type !== 'string') {
          return { status: 400, headers: { 'content-type': 'application/problem+json' }, body: { type: 'about:blank', title: 'not a Bot Framework activity', status: 400 } };
        }
        try {
          await connection.process(request.headers['authorization'] ?? '', body, (turn) => bot.handle(turn));
          return { status: 200, body: {} };
        } catch (error) {
          if (error instanceof UnauthorizedActivity) {
            logger.warn({ reason: error.message }, 'Teams activity refused: no valid Bot Framework JWT');
            return { status: 401, headers: { 'content-type': 'application/problem+json' }, body: { type: 'about:blank', title: 'unauthorized', status: 401 } };
          }
          lastError = messageOf(error).split('\n')[0] ?? 'error';
          throw error;
        }
      },
    };

    const tracked = <A extends unknown[]>(call: (...args: A) => Promise<void>) => async (...args: A): Promise<void> => {
      try {
        await call(...args);
      } catch (error) {
        lastError = messageOf(error);
        throw error;
      }
    };

    return {
      desk: {
        reaches: (agent) => desk.reaches(agent),
        deliverOffer: tracked((offer) => desk.deliverOffer(offer)),
        updateOffer: tracked((update) => desk.updateOffer(update)),
        postToThread: tracked((post) => desk.postToThread(post)),
        notify: tracked((agentId, text) => desk.notify(agentId, text)),
      },
      routes: [messages],
      async start() {
        if (context.role !== 'api') retention.start();
        if (connection.developmentMode) {
          logger.warn(
            { package: '@switchboard/desk-teams' },
            'Teams desk in DEVELOPMENT MODE: no appId configured, so inbound activities are NOT authenticated (no JWT check). Never expose this hub to the internet like this.',
          );
        }
      },
      async stop() {
        await retention.stop();
      },
      async health(): Promise<Health> {
        const references = await state.referenceCount().catch(() => null);
        const mode = connection.developmentMode ? 'development mode (no appId, no JWT check)' : `app ${config.appId}`;
        return {
          status: lastError === null ? 'up' : 'degraded',
          detail: `${mode}; ${references ?? '?'} conversation reference(s) stored${lastError === null ? '' : `; last error: ${lastError}`}`,
        };
      },
      async testConnection(): Promise<Health> {
        try {
          const outcome = await connection.acquireToken();
          return { status: 'up', detail: outcome === 'development mode' ? 'development mode: no appId, nothing to acquire' : 'Bot Framework token acquired' };
        } catch (error) {
          return { status: 'down', detail: `token acquisition failed: ${messageOf(error)}` };
        }
      },
    };
  },
});
