import { join } from 'node:path';
import { z } from 'zod';
import { definePlugin, secret, stateRetention, type Health } from '@switchboard/core';
import { App, LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import { SlackAgentDesk } from './slack-agent-desk.js';
import { HubReceiver } from './slack-http-receiver.js';
import { registerListeners } from './slack-listeners.js';
import { LEGACY_STATE_FILE, SLACK_EXPIRING_PREFIXES, SlackState } from './slack-state.js';

export const deskSlackConfigSchema = z
  .strictObject({
    botToken: secret(z.string().min(1)),
    /** HTTP mode: the app's signing secret, to verify every request. */
    signingSecret: secret(z.string().min(1)).optional(),
    /** The Web API base (with its trailing slash); tests and proxies point it elsewhere. */
    slackApiUrl: z.url({ protocol: /^https?$/ }).default('https://slack.com/api/'),
    /** Thread messages starting with this are internal notes, never sent to the customer. */
    notePrefix: z.string().min(1).max(10).default('//'),
    /** The slash command as configured in the Slack app. */
    command: z.string().regex(/^\/[a-z0-9_-]{1,31}$/, "a slash command such as '/sb'").default('/sb'),
    /** Socket Mode: events over a WebSocket to Slack, no public Request URL needed (needs appToken). */
    socketMode: z.boolean().default(false),
    appToken: secret(z.string().min(1)).optional(),
    /** Web API retries (429s wait for Retry-After, then count as a retry). */
    retries: z.number().int().min(0).max(10).default(3),
    /**
     * Days the desk remembers the DM of an offer and the posts it made (to update a DM once the
     * offer is answered, and to show a post once however often its job runs). Longer than the
     * longest offer timeout (one day); conversation threads are kept.
     */
    stateRetentionDays: z.number().int().min(2).max(3650).default(30),
  })
  .superRefine((config, ctx) => {
    if (config.socketMode && config.appToken === undefined) ctx.addIssue({ code: 'custom', path: ['appToken'], message: 'appToken (xapp-…) is required with socketMode: true' });
    if (!config.socketMode && config.signingSecret === undefined) ctx.addIssue({ code: 'custom', path: ['signingSecret'], message: 'signingSecret is required in HTTP mode (socketMode: false)' });
  });
export type DeskSlackConfig = z.output<typeof deskSlackConfigSchema>;

export const EVENTS_PATH = '/events';
const EVENTS_BODY_LIMIT = 512 * 1024;

export const deskSlackPlugin = definePlugin({
  id: '@switchboard/desk-slack',
  displayName: 'Slack desk',
  version: '0.1.0',
  apiVersion: 1,
  kinds: ['desk'],
  configSchema: deskSlackConfigSchema,
  create(ctx, config) {
    const logger = ctx.logger.child({ plugin: '@switchboard/desk-slack', instanceId: ctx.instanceId });
    // bolt's logger, onto the hub's (which redacts this instance's secrets).
    const boltLogger: BoltLogger = {
      debug: (...msg: unknown[]) => logger.debug({}, msg.map(String).join(' ')),
      info: (...msg: unknown[]) => logger.debug({}, msg.map(String).join(' ')),
      warn: (...msg: unknown[]) => logger.warn({}, msg.map(String).join(' ')),
      error: (...msg: unknown[]) => logger.error({}, msg.map(String).join(' ')),
      setLevel: () => {},
      getLevel: () => LogLevel.INFO,
      setName: () => {},
    };
    const receiver = config.socketMode ? null : new HubReceiver({ signingSecret: config.signingSecret ?? '', logger });
    const app = new App({
      token: config.botToken,
      logger: boltLogger,
      deferInitialization: true,
      clientOptions: { slackApiUrl: config.slackApiUrl, retryConfig: { retries: config.retries, factor: 2, minTimeout: 100, maxTimeout: 2000 } },
      ...(receiver ? { receiver } : { socketMode: true, appToken: config.appToken ?? '' }),
    });
    const state = new SlackState(ctx.state);
    const retention = stateRetention({ state: ctx.state, clock: ctx.clock, logger, prefixes: SLACK_EXPIRING_PREFIXES, maxAgeMs: config.stateRetentionDays * 86_400_000 });
    const ownPosts = new Set<string>();
    const agentDesk = new SlackAgentDesk(app.client, state, ctx.reads, ctx.clock, config.notePrefix, ownPosts);
    registerListeners(app, { desk: ctx.desk, reads: ctx.reads, agentDesk, state, notePrefix: config.notePrefix, logger, command: config.command, ownPosts });

    let health: Health = { status: 'degraded', detail: 'not started' };
    const authTest = async (): Promise<Health> => {
      try {
        const who = await app.client.auth.test();
        return { status: 'up', detail: `workspace ${who.team ?? who.team_id ?? '?'} as ${who.user ?? who.user_id ?? '?'}${config.socketMode ? ' (Socket Mode)' : ''}` };
      } catch (error) {
        return { status: 'down', detail: `auth.test failed: ${error instanceof Error ? error.message : String(error)}` };
      }
    };
    return {
      desk: agentDesk,
      ...(receiver ? { routes: [receiver.route(EVENTS_PATH, EVENTS_BODY_LIMIT)] } : {}),
      async start() {
        // Earlier versions kept the state in a file of the data folder: take it over once.
        await state.importLegacyFile(join(ctx.dataDir, LEGACY_STATE_FILE), ctx.clock.now(), logger);
        // bolt's init runs auth.test: a wrong token fails the start (the supervisor retries with backoff).
        await app.init();
        if (config.socketMode) await app.start();
        health = { status: 'up', detail: config.socketMode ? 'Socket Mode' : `HTTP mode: Request URL /plugins/${ctx.instanceId}${EVENTS_PATH}` };
        if (ctx.role !== 'api') retention.start();
      },
      async stop() {
        await retention.stop();
        await app.stop().catch(() => undefined);
        await receiver?.stop();
      },
      health: async () => health,
      testConnection: authTest,
    };
  },
});
