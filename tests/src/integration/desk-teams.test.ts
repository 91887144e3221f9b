import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeskRegistry, type AgentDesk, type DeskContext } from '@switchboard/core';
import { FakeBotFramework, teamsActivity, type ConnectorCall } from '@switchboard/desk-teams/testing';
import { createHub, type Hub, type HubConfig, type PluginSpec } from '@switchboard/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, hubCaller, newWebhookSecret, startWebhookReceiver, waitFor, type TestDatabase, type WebhookReceiver } from '../harness/index.js';

const ADMIN_KEY = 'desk-teams-test-admin-key-0123456789';
const spec = (id: string, use: string, config: Record<string, unknown>): PluginSpec => ({ id, use, enabled: true, config, resolveFrom: process.cwd(), source: 'test' });
type Json = Record<string, unknown> & { items?: Record<string, unknown>[] };

const startTeamsHub = async (options: { dataDir: string; databaseUrl: string; webhook: WebhookReceiver; teams: Record<string, unknown> }): Promise<Hub> => {
  const config: HubConfig = {
    port: 0,
    dataDir: options.dataDir,
    role: 'all',
    adminKey: ADMIN_KEY,
    logLevel: 'silent',
    configFile: null,
    hub: { bodyLimit: 1024 * 1024, continuityWindowSeconds: 3600, offerExpiry: { setAway: true }, delivery: { maxAttempts: 3, baseDelayMs: 50 }, sweepIntervalMs: 300, channelQueues: {}, identity: { defaultRegion: null, rules: ['exact', 'shared-contact'] } },
    plugins: [
      spec('store', '@switchboard/storage-postgres', { url: { env: 'TEAMS_TEST_DATABASE_URL' } }),
      spec('queue', '@switchboard/queue-local', { backoffMs: 20 }),
      spec('webhook', '@switchboard/channel-webhook', { channel: 'webhook', callbackUrl: options.webhook.url, signingSecret: { env: 'TEAMS_TEST_SIGNING_SECRET' } }),
      spec('teams', '@switchboard/desk-teams', options.teams),
    ],
  };
  const hub = await createHub(config, {
    env: { ...process.env, TEAMS_TEST_DATABASE_URL: options.databaseUrl, TEAMS_TEST_SIGNING_SECRET: options.webhook.secret, TEAMS_TEST_APP_PASSWORD: 'teams-app-password' },
    print: () => {},
  });
  await hub.start();
  return hub;
};

// A real hub (PostgreSQL, the in-process queue, the webhook channel and the Teams desk in
// development mode) on a loopback Bot Framework connector. The hub's desk jobs deliver offers and
// thread posts on their own; the test also hands some to the desk directly (same offer id: one
// card), so the card and thread checks do not wait on routing. Everything the agent does comes in
// as Teams activities over HTTP and must act through DeskCommands (checked through the API).
describe('desk-teams in a hub: offer card → accept → thread → reply to the customer → resolve', () => {
  let db: TestDatabase;
  let fake: FakeBotFramework;
  let receiver: WebhookReceiver;
  let hub: Hub;
  let dataDir: string;
  let desk: AgentDesk;
  const ann = { id: '29:ann', aadObjectId: 'aad-ann', name: 'Ann' };
  const bob = { id: '29:bob', aadObjectId: 'aad-bob', name: 'Bob' };
  const agents: Record<string, string> = {};

  const call = hubCaller<Json>(() => hub, ADMIN_KEY);
  /** Posts an activity as Teams would, and answers the bot's reply in that chat (if any). */
  const activity = async (user: { id: string; aadObjectId?: string; name?: string }, fields: Record<string, unknown>): Promise<{ status: number; answer: string | undefined }> => {
    const posted = teamsActivity(fake, user, fields);
    const response = await hub.fetch(
      new Request('http://hub.test/plugins/teams/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(posted) }),
    );
    // The bot's answer is a reply to the posted activity (the hub's desk jobs post into the chat too).
    const answer = fake.calls.find((c) => c.kind === 'reply' && c.activityId === posted.id)?.activity.text;
    return { status: response.status, answer };
  };
  const conversation = async (id: string) => (await call('GET', `/v1/conversations/${id}`)).json as Json & { status: string; interactions: Json[]; assignment: { agentId: string } | null };
  const chat = (user: { id: string }): ConnectorCall[] => fake.callsTo(`a:chat-${user.id}`);
  /** The activity id of the card that shows an offer. */
  const cardOf = (offerId: string): string =>
    fake.calls.find((c) => c.kind === 'send' && JSON.stringify(c.activity.attachments ?? []).includes(`"offerId":"${offerId}"`))?.newId ?? '';

  beforeAll(async () => {
    [db, fake, receiver] = await Promise.all([createTestDatabase(), FakeBotFramework.start(), startWebhookReceiver({ secret: newWebhookSecret() })]);
    dataDir = await mkdtemp(join(tmpdir(), 'sb-teams-'));
    hub = await startTeamsHub({ dataDir, databaseUrl: db.url, webhook: receiver, teams: {} });
    const found = hub.container.get<DeskRegistry>(DeskRegistry).list().find((d) => d.instanceId === 'teams');
    if (!found) throw new Error('the teams desk is not registered');
    desk = found.desk;
    for (const [name, user] of [['Ann', ann], ['Bob', bob]] as const) {
      const created = await call('POST', '/v1/agents', { name, skills: {}, desk: { teams: user.id } });
      expect(created.status).toBe(201);
      agents[name] = created.json['id'] as string;
    }
  }, 120_000);

  afterAll(async () => {
    await hub?.stop(2000);
    await Promise.all([fake?.stop(), receiver?.close(), db?.drop(), rm(dataDir, { recursive: true, force: true })]);
  });

  it('stores the conversation reference when the bot is installed, and shows it in health', async () => {
    expect((await activity(ann, { type: 'installationUpdate', action: 'add' })).status).toBe(200);
    expect((await activity(bob, { type: 'conversationUpdate', membersAdded: [{ id: '28:bot' }] })).status).toBe(200);
    const plugins = await call('GET', '/v1/plugins');
    const teams = plugins.json.items?.find((p) => p['id'] === 'teams') as { health?: { detail?: string } } | undefined;
    expect(teams?.health?.detail).toContain('development mode');
    expect(teams?.health?.detail).toContain('2 conversation reference(s)');
  });

  it('refuses an unknown Teams user politely, with how to get linked, and changes nothing', async () => {
    const stranger = { id: '29:stranger', name: 'Sam' };
    const { status, answer } = await activity(stranger, { type: 'message', text: 'status available' });
    expect(status).toBe(200);
    expect(answer).toContain('not linked to a Switchboard agent');
    expect(answer).toContain('29:stranger');
  });

  it('runs the whole flow through DeskCommands', async () => {
    expect((await activity(ann, { type: 'message', text: 'status available' })).answer).toBe('You are now available.');
    expect((await call('GET', `/v1/agents/${agents['Ann']}`)).json['presence']).toBe('available');

    const inbound = await call('POST', '/v1/inbound', { channel: 'webhook', externalId: `m-${Date.now()}`, from: { kind: 'email', value: 'ada@example.com', name: 'Ada' }, subject: 'Order 1234', text: 'Where is my order?' });
    expect(inbound.status).toBe(202);
    const conversationId = inbound.json['conversationId'] as string;
    const offer = await waitFor(async () => (await call('GET', `/v1/agents/${agents['Ann']}/offers`)).json.items?.[0], { timeoutMs: 10_000, description: 'an offer to Ann' });
    const context: DeskContext = {
      conversationId,
      customer: { id: inbound.json['customerId'] as string, displayName: 'Ada', identities: [{ kind: 'email', value: 'ada@example.com' }] },
      channel: 'webhook',
      subject: 'Order 1234',
      recent: [{ channel: 'webhook', direction: 'inbound', text: 'Where is my order?', occurredAt: new Date() }],
    };
    const deskOffer = { offerId: offer['id'] as string, agentId: agents['Ann'] ?? '', queueName: 'default', expiresAt: new Date(offer['expiresAt'] as string), context };
    await desk.deliverOffer(deskOffer);
    await desk.deliverOffer(deskOffer);
    const cards = chat(ann).filter((c) => c.kind === 'send' && c.activity.attachments?.length);
    expect(cards).toHaveLength(1);
    const card = JSON.stringify(cards[0]?.activity.attachments?.[0]?.content);
    for (const shown of ['Ada', 'email:ada@example.com', 'webhook', 'default', 'Where is my order?', 'Accept', 'Decline']) expect(card).toContain(shown);
    const cardId = cards[0]?.newId ?? '';

    // Bob clicks Ann's card (a forwarded card): refused, nothing changes.
    const stolen = await activity(bob, { type: 'message', value: { switchboard: 'offer', action: 'accept', offerId: deskOffer.offerId } });
    expect(stolen.answer).toMatch(/^Not allowed/);
    expect((await conversation(conversationId)).assignment).toBeNull();

    const accepted = await activity(ann, { type: 'message', replyToId: cardId, value: { switchboard: 'offer', action: 'accept', offerId: deskOffer.offerId } });
    expect(accepted.answer).toContain('Accepted');
    expect((await conversation(conversationId)).assignment?.agentId).toBe(agents['Ann']);
    const update = chat(ann).find((c) => c.kind === 'update' && c.activityId === cardId);
    expect(JSON.stringify(update?.activity.attachments?.[0]?.content)).toContain('Accepted');
    // No Accept / Decline any more; instead the conversation's own actions (for chats without reply chains).
    expect(JSON.stringify(update?.activity.attachments?.[0]?.content)).not.toContain('"action":"accept"');
    expect(JSON.stringify(update?.activity.attachments?.[0]?.content)).toContain('Send to customer');

    // A second click on the accepted card: a clear answer, no second accept.
    expect((await activity(ann, { type: 'message', replyToId: cardId, value: { switchboard: 'offer', action: 'accept', offerId: deskOffer.offerId } })).answer).toMatch(/can't be done now|Not allowed/);

    // The customer's message goes into the card's reply chain, once.
    const post = { postId: `p-${conversationId}`, conversationId, agentId: agents['Ann'] ?? '', kind: 'customer-message' as const, from: { kind: 'email', value: 'ada@example.com', name: 'Ada' }, text: 'It was due Monday', occurredAt: new Date() };
    await desk.postToThread(post);
    await desk.postToThread(post);
    const threaded = chat(ann).filter((c) => c.kind === 'reply' && c.activityId === cardId && c.activity.text?.includes('It was due Monday'));
    expect(threaded).toHaveLength(1);

    // A typo never reaches the customer: the agent gets the command list.
    const typo = await activity(ann, { type: 'message', replyToId: cardId, text: 'resovle' });
    expect(typo.answer).toContain('did you mean `resolve`');
    expect(typo.answer).toContain('transfer <queue>');

    const entriesBefore = (await conversation(conversationId)).interactions.length;
    const reply = await activity(ann, { type: 'message', replyToId: threaded[0]?.newId, text: 'It ships today, sorry for the wait.' });
    expect(reply.answer).toBe('Sent to the customer.');
    const delivered = await waitFor(() => receiver.deliveries.find((d) => JSON.stringify(d.body).includes('It ships today')), { timeoutMs: 10_000, description: 'the reply at the webhook receiver' });
    expect(delivered.verified).toBe(true);

    expect((await activity(ann, { type: 'message', replyToId: cardId, text: 'note customer is a VIP' })).answer).toBe('Note added.');
    expect((await activity(ann, { type: 'message', replyToId: cardId, text: 'resolve' })).answer).toBe('Resolved.');
    const final = await conversation(conversationId);
    expect(final.status).toBe('resolved');
    const added = final.interactions.slice(entriesBefore);
    expect(added.filter((i) => i['direction'] === 'outbound' && i['text'] === 'It ships today, sorry for the wait.')).toHaveLength(1);
    expect(added.filter((i) => i['direction'] === 'internal' && i['text'] === 'customer is a VIP')).toHaveLength(1);
    expect(final.interactions.filter((i) => String(i['text']).includes('resovle'))).toEqual([]);

    // Resolved: a reply in the thread is refused with a clear answer, nothing recorded.
    const late = await activity(ann, { type: 'message', replyToId: cardId, text: 'one more thing' });
    expect(late.answer).toMatch(/can't be done now|Not allowed/);
    expect((await conversation(conversationId)).interactions).toHaveLength(final.interactions.length);

    expect((await activity(ann, { type: 'message', text: 'mine' })).answer).toBe('Nothing waiting for you.');
    expect((await activity(ann, { type: 'message', text: 'whois ada@example.com' })).answer).toContain('email:ada@example.com');
    await desk.notify(agents['Ann'] ?? '', 'You were set away after an offer expired');
    expect(chat(ann).at(-1)).toMatchObject({ kind: 'send', activity: { text: 'You were set away after an offer expired' } });
  }, 60_000);

  it('transfers from the thread; a reply after the transfer is refused and recorded nowhere', async () => {
    expect((await call('POST', '/v1/queues', { name: 'billing', skills: {} })).status).toBe(201);
    const inbound = await call('POST', '/v1/inbound', { channel: 'webhook', externalId: `t-${Date.now()}`, from: { kind: 'email', value: 'grace@example.com', name: 'Grace' }, text: 'I was charged twice' });
    const conversationId = inbound.json['conversationId'] as string;
    const offer = await waitFor(async () => (await call('GET', `/v1/agents/${agents['Ann']}/offers`)).json.items?.find((o) => o['conversationId'] === conversationId), { timeoutMs: 10_000, description: 'the second offer to Ann' });
    const context: DeskContext = { conversationId, customer: { id: inbound.json['customerId'] as string, displayName: 'Grace', identities: [{ kind: 'email', value: 'grace@example.com' }] }, channel: 'webhook', subject: null, recent: [] };
    await desk.deliverOffer({ offerId: offer['id'] as string, agentId: agents['Ann'] ?? '', queueName: 'default', expiresAt: new Date(offer['expiresAt'] as string), context });
    const cardId = cardOf(offer['id'] as string);
    expect((await activity(ann, { type: 'message', replyToId: cardId, value: { switchboard: 'offer', action: 'accept', offerId: offer['id'] } })).answer).toContain('Accepted');

    // The accepted card's own input and Send button (personal chats have no reply chains).
    const sent = await activity(ann, { type: 'message', replyToId: cardId, value: { switchboard: 'conversation', action: 'reply', conversationId, text: 'Checking the charge now' } });
    expect(sent.answer).toBe('Sent to the customer.');
    expect((await activity(ann, { type: 'message', replyToId: cardId, value: { switchboard: 'conversation', action: 'note', conversationId, text: ' ' } })).answer).toBe('Write the text in the box first.');
    const entries = (await conversation(conversationId)).interactions;
    expect(entries.filter((i) => i['direction'] === 'outbound' && i['text'] === 'Checking the charge now')).toHaveLength(1);
    expect(entries.filter((i) => i['type'] === 'note')).toEqual([]);

    // The connector refuses the bot's answer: the request still succeeds (no Bot Framework retry), the reply is recorded once.
    const refusedId = `refused-${conversationId}`;
    fake.failRepliesTo.add(refusedId);
    const unanswered = await activity(ann, { id: refusedId, type: 'message', replyToId: cardId, value: { switchboard: 'conversation', action: 'reply', conversationId, text: 'Refund on its way' } });
    expect(unanswered).toEqual({ status: 200, answer: undefined });
    expect((await conversation(conversationId)).interactions.filter((i) => i['text'] === 'Refund on its way')).toHaveLength(1);

    expect((await activity(ann, { type: 'message', replyToId: cardId, text: 'transfer nosuchqueue' })).answer).toBe("There is no queue named 'nosuchqueue'.");
    expect((await activity(ann, { type: 'message', replyToId: cardId, text: 'transfer billing' })).answer).toBe('Transferred to billing.');
    const moved = await conversation(conversationId);
    expect(moved.assignment).toBeNull();
    const queues = (await call('GET', '/v1/queues')).json.items ?? [];
    expect(moved['queueId']).toBe(queues.find((q) => q['name'] === 'billing')?.['id']);

    const late = await activity(ann, { type: 'message', replyToId: cardId, text: 'Let me check that for you' });
    expect(late.answer).toMatch(/^Not allowed|can't be done now/);
    expect((await conversation(conversationId)).interactions.filter((i) => i['text'] === 'Let me check that for you')).toEqual([]);
  }, 30_000);

  it('declines from the card: the offer is declined in the hub and the card says so', async () => {
    const inbound = await call('POST', '/v1/inbound', { channel: 'webhook', externalId: `d-${Date.now()}`, from: { kind: 'email', value: 'linus@example.com', name: 'Linus' }, text: 'My invoice is wrong' });
    const conversationId = inbound.json['conversationId'] as string;
    const offer = await waitFor(async () => (await call('GET', `/v1/agents/${agents['Ann']}/offers`)).json.items?.find((o) => o['conversationId'] === conversationId), { timeoutMs: 10_000, description: 'the offer to decline' });
    const context: DeskContext = { conversationId, customer: { id: inbound.json['customerId'] as string, displayName: 'Linus', identities: [{ kind: 'email', value: 'linus@example.com' }] }, channel: 'webhook', subject: null, recent: [] };
    await desk.deliverOffer({ offerId: offer['id'] as string, agentId: agents['Ann'] ?? '', queueName: 'default', expiresAt: new Date(offer['expiresAt'] as string), context });
    const cardId = cardOf(offer['id'] as string);
    expect((await activity(ann, { type: 'message', replyToId: cardId, value: { switchboard: 'offer', action: 'decline', offerId: offer['id'] } })).answer).toBe('Declined.');
    const all = (await call('GET', `/v1/agents/${agents['Ann']}/offers?status=all`)).json.items ?? [];
    expect(all.find((o) => o['id'] === offer['id'])?.['status']).toBe('declined');
    const update = chat(ann).filter((c) => c.kind === 'update' && c.activityId === cardId).at(-1);
    expect(JSON.stringify(update?.activity.attachments?.[0]?.content)).toContain('Declined');
  }, 30_000);

  it('runs the connection test through the API (development mode: nothing to acquire)', async () => {
    const tested = await call('POST', '/v1/plugins/teams/test');
    expect(tested.status).toBe(200);
    expect(tested.json).toMatchObject({ ok: true });
    expect(String(tested.json['detail'])).toContain('development mode');
  });

  it('describes the messages endpoint in the OpenAPI document', async () => {
    const doc = (await call('GET', '/openapi.json')).json as { paths: Record<string, { post?: { summary?: string; description?: string } }> };
    const path = Object.keys(doc.paths).find((p) => p.endsWith('/teams/messages'));
    expect(path).toBeDefined();
    expect(doc.paths[path ?? '']?.post?.summary).toContain('Bot Framework activities');
  });

  it('answers malformed bodies with 400 and changes nothing', async () => {
    const response = await hub.fetch(new Request('http://hub.test/plugins/teams/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":' }));
    expect(response.status).toBe(400);
  });
});

describe('desk-teams in a hub with an app id: activities need a valid Bot Framework JWT', () => {
  const APP_ID = '6b1f1a8e-3d4c-4f0a-9b7e-2a5c8d9e0f11';
  let db: TestDatabase;
  let fake: FakeBotFramework;
  let receiver: WebhookReceiver;
  let hub: Hub;
  let dataDir: string;
  let agentId = '';
  const cy = { id: '29:cy', aadObjectId: 'aad-cy', name: 'Cy' };

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await hub.fetch(
      new Request(`http://hub.test${path}`, { method, headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }),
    );
    return { status: response.status, json: (await response.json()) as Json };
  };
  const post = (fields: Record<string, unknown>, authorization?: string) =>
    hub.fetch(
      new Request('http://hub.test/plugins/teams/messages', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) },
        body: JSON.stringify(teamsActivity(fake, cy, fields)),
      }),
    );
  const health = async () => ((await api('GET', '/v1/plugins')).json.items?.find((p) => p['id'] === 'teams') as { health?: { detail?: string } } | undefined)?.health?.detail ?? '';

  beforeAll(async () => {
    [db, fake, receiver] = await Promise.all([createTestDatabase(), FakeBotFramework.start(), startWebhookReceiver({ secret: newWebhookSecret() })]);
    dataDir = await mkdtemp(join(tmpdir(), 'sb-teams-'));
    hub = await startTeamsHub({
      dataDir,
      databaseUrl: db.url,
      webhook: receiver,
      teams: { appId: APP_ID, appPassword: { env: 'TEAMS_TEST_APP_PASSWORD' }, tenantId: 'tenant-1', openIdMetadataUrl: fake.openIdMetadataUrl, loginUrl: fake.loginUrl },
    });
    agentId = (await api('POST', '/v1/agents', { name: 'Cy', skills: {}, desk: { teams: cy.id } })).json['id'] as string;
  }, 120_000);

  afterAll(async () => {
    await hub?.stop(2000);
    await Promise.all([fake?.stop(), receiver?.close(), db?.drop(), rm(dataDir, { recursive: true, force: true })]);
  });

  it('answers 401 without a valid JWT and changes nothing; a signed activity acts', async () => {
    for (const authorization of [undefined, 'Bearer not-a-jwt', `Bearer ${fake.sign(APP_ID, { foreignKey: true })}`, `Bearer ${fake.sign('someone-else')}`]) {
      expect((await post({ type: 'message', text: 'status available' }, authorization)).status).toBe(401);
    }
    expect((await api('GET', `/v1/agents/${agentId}`)).json['presence']).toBe('offline');
    expect(await health()).toContain('0 conversation reference(s)');
    expect(fake.calls).toEqual([]);

    expect((await post({ type: 'message', text: 'status available' }, `Bearer ${fake.sign(APP_ID)}`)).status).toBe(200);
    expect((await api('GET', `/v1/agents/${agentId}`)).json['presence']).toBe('available');
    expect(await health()).toContain('1 conversation reference(s)');
    // The answer went out with a token the hub acquired from the (fake) token endpoint.
    expect(fake.calls.at(-1)).toMatchObject({ kind: 'reply', activity: { text: 'You are now available.' } });
    expect(fake.calls.at(-1)?.authorization).toMatch(/^Bearer fake-token-/);
  });

  it('runs the connection test as a token acquisition through the API, without leaking the secret', async () => {
    const tested = await api('POST', '/v1/plugins/teams/test');
    expect(tested.json).toMatchObject({ ok: true, detail: 'Bot Framework token acquired' });
    fake.tokenStatus = 401;
    const refused = await api('POST', '/v1/plugins/teams/test');
    fake.tokenStatus = 200;
    expect(refused.json).toMatchObject({ ok: false });
    expect(JSON.stringify(refused.json)).not.toContain('teams-app-password');
  });
});
