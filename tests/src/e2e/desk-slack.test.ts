import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  Cleanup,
  countRows,
  newWebhookSecret,
  signSlackRequest,
  startFreshStack,
  startSlackFake,
  startWebhookReceiver,
  waitFor,
  type HubClient,
  type HubStack,
  type SlackApiCall,
  type SlackFake,
  type TestDatabase,
  type WebhookReceiver,
} from '../harness/index.js';
import { trackFailures } from '../harness/track-failures.js';

// Issue 10, desk-slack at the protocol level: bolt 5.1.0 behind the hub's plugin route, its Web API
// pointed at a loopback fake (slackApiUrl) that records every call; signed requests into a real
// hub split as in production (api + worker processes on PostgreSQL and Redis).

const SIGNING_SECRET = `slack-signing-${randomUUID()}`;
const BOT_TOKEN = `xoxb-test-${randomUUID()}`;
const WITHIN_MS = 30_000;

const cleanup = new Cleanup();
const failures = trackFailures();
let db: TestDatabase;
let fake: SlackFake;
let receiver: WebhookReceiver;
let stack: HubStack;
let hub: HubClient;
const ids = { ada: '', bob: '', cara: '', e2e: '', billing: '' };

beforeAll(async () => {
  fake = await startSlackFake();
  cleanup.add('close slack fake', () => fake.close());
  receiver = await startWebhookReceiver({ secret: newWebhookSecret() });
  cleanup.add('close receiver', () => receiver.close());
  ({ db, stack } = await startFreshStack(cleanup, {
    keepFiles: () => failures.failed,
    env: { WEBHOOK_SIGNING_SECRET: receiver.secret, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET },
    config: {
      hub: { sweepIntervalMs: 500, channelQueues: { webhook: 'e2e' }, delivery: { maxAttempts: 3, baseDelayMs: 100 } },
      plugins: [
        { id: 'webhook', use: '@switchboard/channel-webhook', config: { channel: 'webhook', callbackUrl: receiver.url, signingSecret: { env: 'WEBHOOK_SIGNING_SECRET' } } },
        {
          id: 'slack',
          use: '@switchboard/desk-slack',
          config: { botToken: { env: 'SLACK_BOT_TOKEN' }, signingSecret: { env: 'SLACK_SIGNING_SECRET' }, slackApiUrl: fake.url, notePrefix: '//', retries: 2 },
        },
      ],
    },
  }));
  hub = stack.client;
  ids.e2e = (await hub.createQueue({ name: 'e2e', offerTimeoutSeconds: 3600 })).id;
  ids.billing = (await hub.createQueue({ name: 'billing', offerTimeoutSeconds: 3600 })).id;
  ids.ada = (await hub.createAgent({ name: 'Ada', email: 'ada@example.com', capacity: { units: 1000 }, desk: { slack: 'U0ADA' } })).id;
  ids.bob = (await hub.createAgent({ name: 'Bob', desk: { slack: 'U0BOB' } })).id;
  ids.cara = (await hub.createAgent({ name: 'Cara', email: 'cara@example.com' })).id;
  fake.addUser({ id: 'U0CARA', name: 'Cara', email: 'cara@example.com' });
  fake.addUser({ id: 'U0ADA', name: 'Ada', email: 'ada@example.com' });
  await hub.setPresence(ids.ada, 'available');
}, 240_000);

afterAll(async () => {
  await cleanup.run();
}, 120_000);

const withHubLogs = async <T>(fn: () => Promise<T>): Promise<T> => {
  try {
    return await fn();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${message}\n\n--- hub processes ---\n${stack.describe()}`, { cause: error });
  }
};

/** A signed POST to the one Request URL, as Slack sends it. */
const slack = async (body: string, options: { form?: boolean; headers?: Record<string, string>; timestamp?: number; secret?: string } = {}) => {
  const started = Date.now();
  const response = await fetch(`${stack.api.baseUrl}/plugins/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': options.form ? 'application/x-www-form-urlencoded' : 'application/json',
      ...signSlackRequest(options.secret ?? SIGNING_SECRET, body, options.timestamp),
      ...options.headers,
    },
    body,
  });
  return { status: response.status, text: await response.text(), ms: Date.now() - started };
};
const event = (inner: Record<string, unknown>, eventId = `Ev${randomUUID().slice(0, 8)}`) =>
  JSON.stringify({ type: 'event_callback', token: 'x', team_id: 'T0SWITCH', api_app_id: 'A0SB', event_id: eventId, event_time: Math.floor(Date.now() / 1000), event: inner });
const click = (user: string, actionId: 'sb_accept' | 'sb_decline', offerId: string) =>
  `payload=${encodeURIComponent(
    JSON.stringify({
      type: 'block_actions', team: { id: 'T0SWITCH' }, user: { id: user }, api_app_id: 'A0SB', token: 'x', trigger_id: 't', channel: { id: `D${user}` },
      container: { type: 'message', channel_id: `D${user}` },
      actions: [{ type: 'button', action_id: actionId, block_id: `offer:${offerId}`, value: offerId, action_ts: '1' }],
    }),
  )}`;
const command = (user: string, text: string) =>
  new URLSearchParams({ command: '/sb', text, user_id: user, channel_id: `D${user}`, team_id: 'T0SWITCH', token: 'x', trigger_id: 't', api_app_id: 'A0SB', response_url: `${fake.url}response` }).toString();
const threadMessage = (user: string, threadTs: string, text: string) =>
  ({ type: 'message', channel: `D${user}`, channel_type: 'im', user, text, ts: `${Date.now() / 1000}`, thread_ts: threadTs, event_ts: '1' });

const wait = <T>(fn: () => Promise<T | undefined | null | false>, description: string) => waitFor(fn, { timeoutMs: WITHIN_MS, intervalMs: 50, description });
const tsOf = (call: SlackApiCall): string => String(call.result['ts']);
const blocksText = (call: SlackApiCall): string => JSON.stringify(call.args['blocks'] ?? '') + String(call.args['text'] ?? '');
const offerDmFor = (offerId: string) => wait(async () => fake.callsTo('chat.postMessage').find((c) => blocksText(c).includes(`offer:${offerId}`)), `the offer DM of ${offerId}`);
const pendingOffer = (agentId: string, conversationId: string) =>
  wait(async () => (await hub.pendingOffers(agentId)).find((o) => o.conversationId === conversationId), `an offer of ${conversationId}`);
const ephemeralTo = (user: string, after: number, pattern: RegExp) =>
  wait(async () => fake.callsTo('chat.postEphemeral').slice(after).find((c) => c.args['user'] === user && pattern.test(String(c.args['text']))), `an answer to ${user} matching ${pattern}`);
const inbound = (externalId: string, text: string, from = 'ann@example.com') => hub.inbound({ channel: 'webhook', externalId, from: { kind: 'email', value: from, name: 'Ann Example' }, subject: 'Order 1234', text });
const status = async (conversationId: string) => (await hub.conversation(conversationId)).status;

describe('desk-slack: signed requests into the hub, Web API to a loopback fake', () => {
  it('tests the connection with auth.test and reports the desk healthy, secrets never shown', async () => {
    await withHubLogs(async () => {
      const before = fake.callsTo('auth.test').length;
      const tested = await hub.call(z.object({ ok: z.boolean(), detail: z.string() }), 'POST', '/v1/plugins/slack/test', {});
      expect(tested).toMatchObject({ ok: true });
      expect(tested.detail).toContain('Switchboard Test');
      expect(fake.callsTo('auth.test').length).toBe(before + 1);
      const listed = await hub.get('/v1/plugins?limit=100');
      expect(listed.text).toContain('@switchboard/desk-slack');
      const slackEntry = (listed.body as { items: { id: string; health: { status: string } }[] }).items.find((p) => p.id === 'slack');
      expect(slackEntry?.health.status).toBe('up');
      expect(listed.text).not.toContain(BOT_TOKEN);
      expect(listed.text).not.toContain(SIGNING_SECRET);
    });
  }, 60_000);

  it('refuses a wrong signature, a stale timestamp and a replay with 401, and records nothing', async () => {
    await withHubLogs(async () => {
      const verification = JSON.stringify({ type: 'url_verification', token: 'x', challenge: 'c-123' });
      const ok = await slack(verification);
      expect(ok).toMatchObject({ status: 200 });
      expect(JSON.parse(ok.text)).toEqual({ challenge: 'c-123' });

      const before = { calls: fake.calls.length, interactions: await countRows(db.pool, 'interactions') };
      const body = command('U0ADA', 'status away');
      expect((await slack(body, { form: true, secret: 'not-the-secret' })).status).toBe(401);
      expect((await slack(body, { form: true, timestamp: Math.floor(Date.now() / 1000) - 600 })).status).toBe(401);
      const timestamp = Math.floor(Date.now() / 1000);
      const first = await slack(event({ type: 'app_home_opened', user: 'U0NOBODY', channel: 'DX', tab: 'home', event_ts: '1' }), { timestamp });
      expect(first.status).toBe(200);
      await wait(async () => fake.callsTo('views.publish').length > 0, 'the home view');
      const afterFirst = fake.calls.length;
      // The same signed bytes again (no X-Slack-Retry-Num): a replay.
      const same = event({ type: 'app_home_opened', user: 'U0NOBODY', channel: 'DX', tab: 'home', event_ts: '1' }, 'EvReplay');
      expect((await slack(same, { timestamp })).status).toBe(200);
      expect((await slack(same, { timestamp })).status).toBe(401);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(fake.calls.length).toBe(afterFirst + 1);
      expect((await hub.call(z.object({ presence: z.string() }), 'GET', `/v1/agents/${ids.ada}`)).presence).toBe('available');
      expect(await countRows(db.pool, 'interactions')).toBe(before.interactions);
    });
  }, 60_000);

  it('walks offer DM → signed Accept → thread → thread reply delivered → /sb resolve, every step once', async () => {
    await withHubLogs(async () => {
      const first = await inbound(`e2e-${randomUUID()}`, 'Where is my order?');
      const offer = await pendingOffer(ids.ada, first.conversationId);
      const dm = await offerDmFor(offer.id);
      expect(dm.authorization).toBe(`Bearer ${BOT_TOKEN}`);
      expect(dm.args['channel']).toBe('DU0ADA');
      const shown = blocksText(dm);
      for (const part of ['Ann Example', 'email:ann@example.com', 'webhook', 'e2e', 'Where is my order?', 'Accept', 'Decline', 'Priority', 'Waiting']) expect(shown).toContain(part);
      const dmTs = tsOf(dm);

      const clicked = await slack(click('U0ADA', 'sb_accept', offer.id), { form: true });
      expect(clicked.status).toBe(200);
      expect(clicked.ms).toBeLessThan(3000);
      await wait(async () => (await status(first.conversationId)) === 'assigned', 'the assignment');
      const updated = await wait(async () => fake.callsTo('chat.update').find((c) => c.args['ts'] === dmTs), 'the offer updated in place');
      expect(blocksText(updated)).toContain('Accepted');
      expect(blocksText(updated)).not.toContain('sb_accept');

      // The customer's next message lands in the working thread (the offer's message).
      await inbound(`e2e-${randomUUID()}`, 'It was due yesterday');
      await wait(async () => fake.callsTo('chat.postMessage').find((c) => c.args['thread_ts'] === dmTs && String(c.args['text']).includes('It was due yesterday')), 'the message in the thread');

      // The agent's thread reply, delivered four times (Slack's retries): one reply, delivered once.
      const reply = event(threadMessage('U0ADA', dmTs, 'It ships today, sorry for the wait'), `EvReply${randomUUID().slice(0, 6)}`);
      for (let retry = 0; retry < 4; retry++) {
        const answer = await slack(reply, retry === 0 ? {} : { headers: { 'x-slack-retry-num': String(retry), 'x-slack-retry-reason': 'http_timeout' }, timestamp: Math.floor(Date.now() / 1000) + retry });
        expect(answer.status).toBe(200);
      }
      await wait(async () => receiver.deliveries.find((d) => JSON.stringify(d.body).includes('It ships today')), 'the reply at the customer');
      // An internal note from the thread: recorded, never sent.
      await slack(event(threadMessage('U0ADA', dmTs, '// customer sounded upset')));
      await wait(async () => (await hub.conversation(first.conversationId)).interactions.some((i) => i.type === 'note'), 'the note');

      const before = fake.callsTo('chat.postEphemeral').length;
      expect((await slack(command('U0ADA', 'resolve'), { form: true })).status).toBe(200);
      await ephemeralTo('U0ADA', before, /resolved/);
      expect(await status(first.conversationId)).toBe('resolved');

      await new Promise((resolve) => setTimeout(resolve, 500));
      const entries = (await hub.conversation(first.conversationId)).interactions;
      const count = (pred: (i: (typeof entries)[number]) => boolean) => entries.filter(pred).length;
      expect(count((i) => i.direction === 'inbound')).toBe(2);
      expect(count((i) => i.direction === 'outbound')).toBe(1);
      expect(count((i) => i.type === 'note')).toBe(1);
      expect(count((i) => i.type === 'assignment')).toBe(1);
      expect(count((i) => i.type === 'status' && /resolved/.test(i.text))).toBe(1);
      expect(receiver.deliveries.filter((d) => JSON.stringify(d.body).includes('It ships today'))).toHaveLength(1);
      expect(receiver.deliveries.some((d) => JSON.stringify(d.body).includes('upset'))).toBe(false);
      expect(fake.callsTo('chat.postMessage').filter((c) => String(c.args['text']).includes('It was due yesterday'))).toHaveLength(1);
      expect(fake.callsTo('chat.postMessage').filter((c) => blocksText(c).includes(`offer:${offer.id}`))).toHaveLength(1);
      // Secrets never reach Slack's answers or the hub's logs.
      expect(stack.describe()).not.toContain(SIGNING_SECRET);
      expect(stack.describe()).not.toContain(BOT_TOKEN);
    });
  }, 120_000);

  it('answers unknown users, typos, clicks by another agent, expired offers and replies after a transfer clearly, changing nothing', async () => {
    await withHubLogs(async () => {
      let mark = fake.callsTo('chat.postEphemeral').length;
      await slack(command('U0CARA', 'mine'), { form: true });
      const unknown = await ephemeralTo('U0CARA', mark, /not linked/);
      expect(String(unknown.args['text'])).toContain(`switchboard agents link ${ids.cara} --slack U0CARA`);
      const suggestions = await hub.call(z.object({ items: z.array(z.object({ binding: z.string(), userId: z.string(), linked: z.boolean() })) }), 'GET', `/v1/agents/${ids.cara}/desk-suggestions`);
      expect(suggestions.items).toEqual([expect.objectContaining({ binding: 'slack', userId: 'U0CARA', linked: false })]);

      mark = fake.callsTo('chat.postEphemeral').length;
      await slack(command('U0ADA', 'resovle'), { form: true });
      expect(String((await ephemeralTo('U0ADA', mark, /Unknown command/)).args['text'])).toContain('/sb resolve');
      await slack(command('U0ADA', 'status awya'), { form: true });
      expect(String((await ephemeralTo('U0ADA', mark, /Unknown status/)).args['text'])).toContain('away');

      // A 429 from Slack: the offer DM waits for Retry-After, then goes through once.
      fake.rateLimit('chat.postMessage', 1, 1);
      const second = await inbound(`e2e-${randomUUID()}`, 'Can I change the address?', 'ben@example.com');
      const offer = await pendingOffer(ids.ada, second.conversationId);
      const dm = await offerDmFor(offer.id);
      const limited = fake.calls.find((c) => c.method === 'chat.postMessage' && c.answered === 429);
      expect(limited).toBeDefined();
      expect(dm.at - limited!.at).toBeGreaterThanOrEqual(950);

      // Bob clicks Ada's offer: refused, the offer stays Ada's.
      mark = fake.callsTo('chat.postEphemeral').length;
      await slack(click('U0BOB', 'sb_accept', offer.id), { form: true });
      await ephemeralTo('U0BOB', mark, /another agent/);
      expect((await hub.pendingOffers(ids.ada)).some((o) => o.id === offer.id)).toBe(true);

      // Ada accepts, transfers it to billing, then replies in the old thread: refused, nothing sent.
      await slack(click('U0ADA', 'sb_accept', offer.id), { form: true });
      await wait(async () => (await status(second.conversationId)) === 'assigned', 'the assignment');
      const dmTs = tsOf(dm);
      mark = fake.callsTo('chat.postEphemeral').length;
      await slack(command('U0ADA', `transfer billing ${second.conversationId}`), { form: true });
      await ephemeralTo('U0ADA', mark, /billing/);
      await wait(async () => (await hub.conversation(second.conversationId)).assignment === null, 'the transfer');
      mark = fake.callsTo('chat.postEphemeral').length;
      await slack(event(threadMessage('U0ADA', dmTs, 'Sure, what is the new address?')));
      await ephemeralTo('U0ADA', mark, /no longer assigned to you/);
      expect((await hub.conversation(second.conversationId)).interactions.filter((i) => i.direction === 'outbound')).toHaveLength(0);

      // A click on an offer that expired: a clear answer, no change.
      await hub.call(z.unknown(), 'PATCH', `/v1/queues/${ids.e2e}`, { offerTimeoutSeconds: 5 });
      const third = await inbound(`e2e-${randomUUID()}`, 'Hello?', 'cy@example.com');
      const fleeting = await pendingOffer(ids.ada, third.conversationId);
      await hub.call(z.unknown(), 'PATCH', `/v1/queues/${ids.e2e}`, { offerTimeoutSeconds: 3600 });
      const fleetingDm = await offerDmFor(fleeting.id);
      await wait(async () => fake.callsTo('chat.update').find((c) => c.args['ts'] === tsOf(fleetingDm) && blocksText(c).includes('Expired')), 'the expired offer updated');
      // Ada was set away for letting it expire, and is told so in her DM.
      await wait(async () => fake.callsTo('chat.postMessage').find((c) => c.args['channel'] === 'DU0ADA' && /set to away/.test(String(c.args['text']))), 'the away notice');
      mark = fake.callsTo('chat.postEphemeral').length;
      await slack(click('U0ADA', 'sb_accept', fleeting.id), { form: true });
      await ephemeralTo('U0ADA', mark, /no longer open|expired/);
      expect(await status(third.conversationId)).not.toBe('assigned');
    });
  }, 120_000);
});

