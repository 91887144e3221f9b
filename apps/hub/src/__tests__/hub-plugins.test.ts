import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signWebhook } from '@switchboard/channel-webhook';
import { BlobStore, DeskRegistry } from '@switchboard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubConfig, PluginSpec } from '../config/hub-config.js';
import { createHub, type Hub } from '../composition-root.js';
import { ADMIN_KEY } from './hub-fixture.js';

type Json = Record<string, unknown>;

const here = dirname(fileURLToPath(import.meta.url));
const MAILBOX_PLUGIN = join(here, '../plugins/__tests__/fixtures/mailbox-channel.plugin.ts');
const DESK_PLUGIN = join(here, '../plugins/__tests__/fixtures/memory-desk.plugin.ts');

// Canary secrets: none of these may show in any log line, API answer or error message.
const CANARIES = {
  CANARY_MAIL_A: 'canary-1b7e-mailbox-a-password',
  CANARY_MAIL_B: 'canary-52cd-mailbox-b-password',
  CANARY_API_TOKEN: 'canary-8f41-api-token',
  CANARY_INBOUND_A: 'canary-a3d9-inbound-secret-a',
  CANARY_INBOUND_B: 'canary-c0e2-inbound-secret-b',
  CANARY_SIGNING: 'canary-e77f-signing-secret',
};
const canaryPattern = /canary-[0-9a-f]{4}/;

const spec = (id: string, use: string, config: Json, enabled = true): PluginSpec => ({ id, use, enabled, config, resolveFrom: process.cwd(), source: 'test' });

const mailboxConfig = (extra: Json = {}): Json => ({
  channel: 'mail',
  mailboxes: [
    { user: 'a@example.com', password: { env: 'CANARY_MAIL_A' } },
    { user: 'b@example.com', password: { env: 'CANARY_MAIL_B' } },
  ],
  api: { token: { env: 'CANARY_API_TOKEN' } },
  ...extra,
});

const hubConfig = (dataDir: string, plugins: PluginSpec[]): HubConfig => ({
  port: 0,
  dataDir,
  role: 'all',
  adminKey: ADMIN_KEY,
  logLevel: 'trace',
  configFile: null,
  hub: {
    bodyLimit: 1024 * 1024,
    continuityWindowSeconds: 3600,
    offerExpiry: { setAway: true },
    delivery: { maxAttempts: 3, baseDelayMs: 50 },
    sweepIntervalMs: 300,
    channelQueues: {},
    identity: { defaultRegion: null, rules: ['exact', 'shared-contact'] },
  },
  plugins: [
    spec('store', '@switchboard/storage-postgres', { dataDir: 'memory://' }),
    spec('queue', '@switchboard/queue-local', { backoffMs: 20 }),
    spec('blobs', '@switchboard/blob-fs', { maxBytes: 1024 }),
    ...plugins,
  ],
});

const standardPlugins = (): PluginSpec[] => [
  spec('mail', MAILBOX_PLUGIN, mailboxConfig()),
  spec('webhook-a', '@switchboard/channel-webhook', {
    channel: 'webhook-a',
    inboundSecret: { env: 'CANARY_INBOUND_A' },
    callbackUrl: 'http://127.0.0.1:9/unused',
    signingSecret: { env: 'CANARY_SIGNING' },
  }),
  spec('webhook-b', '@switchboard/channel-webhook', { channel: 'webhook-b', inboundSecret: { env: 'CANARY_INBOUND_B' } }),
  spec('mail-2', MAILBOX_PLUGIN, mailboxConfig({ channel: 'mail-2', failOnStart: true })),
  spec('desk', DESK_PLUGIN, { probeIdentity: 'email:webhook-a@example.com' }),
  spec('later', '@switchboard/channel-webhook', { channel: 'later' }, false),
];

// Everything the hub writes or answers lands here, to be searched for canaries at the end.
const outputs: string[] = [];
const logLines: string[] = [];
const logDestination = { write: (line: string) => void logLines.push(line) };
const env = { ...process.env, ...CANARIES };
let dataDir: string;
let hub: Hub;

const call = async (method: string, path: string, init: { body?: string; headers?: Record<string, string>; key?: string | null } = {}) => {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  const key = init.key === undefined ? ADMIN_KEY : init.key;
  if (key) headers['authorization'] = `Bearer ${key}`;
  const response = await hub.fetch(new Request(`http://hub.test${path}`, { method, headers, ...(init.body === undefined ? {} : { body: init.body }) }));
  const text = await response.text();
  outputs.push(text);
  return { status: response.status, type: response.headers.get('content-type') ?? '', json: (text ? JSON.parse(text) : {}) as Json };
};

const bootError = async (plugins: PluginSpec[]): Promise<Error> => {
  const dir = await mkdtemp(join(tmpdir(), 'sb-hub-bad-'));
  try {
    await createHub(hubConfig(dir, plugins), { env, print: () => {}, logDestination });
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    outputs.push(error.message, String(error.cause ?? ''), error.stack ?? '', error.cause instanceof Error ? (error.cause.stack ?? '') : '');
    return error;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  throw new Error('expected the boot to fail');
};

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sb-hub-plugins-'));
  hub = await createHub(hubConfig(dataDir, standardPlugins()), { env, print: () => {}, logDestination });
  await hub.start();
});

afterAll(async () => {
  await hub.stop(2000);
  await rm(dataDir, { recursive: true, force: true });
});

describe('plugins in the hub', () => {
  it('lists every instance with health parts, the built-in blob store, and two instances of one package', async () => {
    const list = await call('GET', '/v1/plugins');
    expect(list.status).toBe(200);
    const items = (list.json['items'] as Json[]).map((p) => [p['id'], p['name'], p['kinds'], (p['health'] as Json)['status']]);
    // Listed by instance id (the list pages by it).
    expect(items).toEqual([
      ['blobs', '@switchboard/blob-fs', ['blob'], 'up'],
      ['desk', '@test/desk-memory', ['desk'], 'up'],
      ['later', '@switchboard/channel-webhook', [], 'down'],
      ['mail', '@test/channel-mailbox', ['channel'], 'degraded'],
      ['mail-2', '@test/channel-mailbox', ['channel'], 'down'],
      ['queue', '@switchboard/queue-local', ['queue'], 'up'],
      ['store', '@switchboard/storage-postgres', ['storage'], 'up'],
      ['webhook-a', '@switchboard/channel-webhook', ['channel'], 'up'],
      ['webhook-b', '@switchboard/channel-webhook', ['channel'], 'up'],
    ]);
    const mail = (list.json['items'] as Json[]).find((p) => p['id'] === 'mail');
    expect(mail?.['health']).toEqual({
      status: 'degraded',
      detail: '2 mailboxes',
      parts: { 'a@example.com': { status: 'up' }, 'b@example.com': { status: 'down', detail: 'login refused for [redacted]' } },
    });
  });

  it('reports a plugin that fails to start, without its secret, and keeps serving', async () => {
    const mail2 = ((await call('GET', '/v1/plugins')).json['items'] as Json[]).find((p) => p['id'] === 'mail-2');
    expect(mail2?.['health']).toEqual({ status: 'down', detail: 'start failed: IMAP login failed with [redacted]' });
    expect(logLines.some((line) => line.includes('plugin failed to start; retrying') && line.includes('[redacted]'))).toBe(true);
  });

  it('scrubs a plugin route’s crash and a channel’s delivery failure', async () => {
    const crashed = await call('POST', '/plugins/mail/boom', { body: '{}', headers: { 'content-type': 'application/json' }, key: null });
    expect(crashed.status).toBe(500);
    const agent = await call('POST', '/v1/agents', { body: JSON.stringify({ name: 'Canary' }), headers: { 'content-type': 'application/json' } });
    const agentId = String(agent.json['id']);
    const json = { 'content-type': 'application/json' };
    const inbound = await call('POST', '/v1/inbound', {
      body: JSON.stringify({ channel: 'mail', externalId: 'mail-1', from: { kind: 'email', value: 'mailer@example.com' }, text: 'hi' }),
      headers: json,
    });
    expect(inbound.status).toBe(202);
    const conversationId = String(inbound.json['conversationId']);
    const reply = await call('POST', `/v1/conversations/${conversationId}/replies`, { body: JSON.stringify({ agentId, text: 'hello' }), headers: json });
    expect(reply.status).toBe(201);
    const deadline = Date.now() + 10_000;
    let delivery: Json | undefined;
    while (Date.now() < deadline) {
      const entries = (await call('GET', `/v1/conversations/${conversationId}`)).json['interactions'] as Json[];
      delivery = entries.find((entry) => entry['id'] === reply.json['id'])?.['delivery'] as Json | undefined;
      if (delivery?.['status'] === 'dead') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(delivery).toMatchObject({ status: 'dead', reason: 'SMTP refused the password [redacted]' });
    await call('POST', `/v1/conversations/${conversationId}/resolve`, { body: '{}', headers: json });
  });

  it('shows health parts in /readyz', async () => {
    const ready = await call('GET', '/readyz', { key: null });
    expect(ready.status).toBe(200);
    expect((ready.json['checks'] as Json)['plugin:mail']).toMatchObject({ parts: { 'b@example.com': { status: 'down' } } });
    expect((ready.json['checks'] as Json)['plugin:blobs']).toMatchObject({ status: 'up' });
  });

  it('runs a connection test: the plugin’s own, a failing one, none, a disabled and an unknown instance', async () => {
    const blobs = await call('POST', '/v1/plugins/blobs/test');
    expect(blobs.status).toBe(200);
    expect(blobs.json).toMatchObject({ ok: true, health: { status: 'up' } });
    const mail = await call('POST', '/v1/plugins/mail/test');
    expect(mail.json).toEqual({
      ok: false,
      detail: 'connection test failed: server said: bad password [redacted]',
      health: { status: 'down', detail: 'connection test failed: server said: bad password [redacted]' },
    });
    // queue-local has no connection test.
    const queue = await call('POST', '/v1/plugins/queue/test');
    expect(queue.json).toMatchObject({ ok: true, detail: 'no connection test' });
    expect((await call('POST', '/v1/plugins/later/test')).json).toMatchObject({ ok: false, detail: 'disabled' });
    const unknown = await call('POST', '/v1/plugins/nope/test');
    expect(unknown.status).toBe(404);
    expect(unknown.type).toContain('application/problem+json');
    expect(unknown.json).toMatchObject({ status: 404, code: 'PLUGIN.NOT_FOUND' });
  });

  it('needs the admin scope for a connection test', async () => {
    const reader = await call('POST', '/v1/api-keys', { body: JSON.stringify({ name: 'reader', scopes: ['read'] }), headers: { 'content-type': 'application/json' } });
    expect(reader.status).toBe(201);
    expect((await call('POST', '/v1/plugins/mail/test', { key: String(reader.json['key']) })).status).toBe(403);
    expect((await call('POST', '/v1/plugins/mail/test', { key: null })).status).toBe(401);
  });

  it('documents the test as operationId testPlugin', async () => {
    const doc = await call('GET', '/openapi.json', { key: null });
    const paths = doc.json['paths'] as Record<string, Record<string, Json>>;
    expect(paths['/v1/plugins/{id}/test']?.['post']?.['operationId']).toBe('testPlugin');
  });

  it('records inbound messages of each webhook instance on its own channel', async () => {
    for (const [instance, secret] of [
      ['webhook-a', CANARIES.CANARY_INBOUND_A],
      ['webhook-b', CANARIES.CANARY_INBOUND_B],
    ] as const) {
      const body = JSON.stringify({ externalId: `${instance}-1`, from: { kind: 'email', value: `${instance}@example.com` }, text: `hello via ${instance}` });
      const headers = { 'content-type': 'application/json', ...signWebhook({ id: `msg_${randomUUID()}`, timestamp: new Date(), body, secret }) };
      const answer = await call('POST', `/plugins/${instance}/inbound`, { body, headers, key: null });
      expect(answer.status).toBe(202);
      const conversation = await call('GET', `/v1/conversations/${String(answer.json['conversationId'])}`);
      expect((conversation.json['interactions'] as Json[])[0]).toMatchObject({ channel: instance, text: `hello via ${instance}` });
    }
    // A message signed with the other instance's secret is refused.
    const body = JSON.stringify({ externalId: 'cross-1', from: { kind: 'email', value: 'x@example.com' }, text: 'x' });
    const crossed = { 'content-type': 'application/json', ...signWebhook({ id: 'msg_cross', timestamp: new Date(), body, secret: CANARIES.CANARY_INBOUND_A }) };
    expect((await call('POST', '/plugins/webhook-b/inbound', { body, headers: crossed, key: null })).status).toBe(401);
  });

  it('wires desk plugins: in the desk registry, reading and acting through the same use cases as the API', async () => {
    const registry = hub.container.get<DeskRegistry>(DeskRegistry);
    expect(registry.list().map((entry) => entry.instanceId)).toEqual(['desk']);
    expect(registry.reaching({ desk: { memory: 'U1' } })).toHaveLength(1);
    expect(registry.reaching({ desk: { slack: 'U1' } })).toHaveLength(0);
    // The desk's connection test reads the customer webhook-a recorded above.
    expect((await call('POST', '/v1/plugins/desk/test')).json).toMatchObject({ ok: true, detail: 'customers 1, entries 1, first: hello via webhook-a' });
  });

  it('binds the blob store for attachments, with its configured limit', async () => {
    const blobs = hub.container.get<BlobStore>(BlobStore);
    const stored = await blobs.put(new TextEncoder().encode('attachment'), { contentType: 'text/plain' });
    expect(await blobs.has(stored.ref)).toBe(true);
    await expect(blobs.put(new Uint8Array(1025), { contentType: 'image/png' })).rejects.toMatchObject({ code: 'BLOB.TOO_LARGE', limit: 1024 });
  });

  it('refuses at boot: an inline secret, a create() that throws with the secret, two instances on one channel', async () => {
    const inline = await bootError([
      spec('mail', MAILBOX_PLUGIN, mailboxConfig({ mailboxes: [{ user: 'a@example.com', password: { env: 'CANARY_MAIL_A' } }, { user: 'b@example.com', password: 'canary-dead-inline' }] })),
    ]);
    expect(inline.message).toContain('(mail, package ');
    expect(inline.message).toContain('config.mailboxes[1].password: secrets are given by reference');
    const throwing = await bootError([spec('mail', MAILBOX_PLUGIN, mailboxConfig({ failOnCreate: true }))]);
    expect(throwing.message).toContain('create() failed: cannot log in as a@example.com with password [redacted]');
    const clash = await bootError([
      spec('hook-1', '@switchboard/channel-webhook', { channel: 'same', inboundSecret: { env: 'CANARY_INBOUND_A' } }),
      spec('hook-2', '@switchboard/channel-webhook', { channel: 'same', inboundSecret: { env: 'CANARY_INBOUND_B' } }),
    ]);
    expect(clash.message).toContain("(hook-2, package @switchboard/channel-webhook): config.channel: channel 'same' is already served by instance 'hook-1'");
  });

  it('never lets a canary secret out: logs, API answers, error messages', async () => {
    // The plugins did log (at trace level everything goes out), and the API was exercised above.
    expect(logLines.length).toBeGreaterThan(3);
    expect(logLines.some((line) => line.includes('connecting with [redacted]'))).toBe(true);
    expect(outputs.length).toBeGreaterThan(10);
    const leaks = [...logLines, ...outputs].filter((text) => canaryPattern.test(text) || Object.values(CANARIES).some((c) => text.includes(c)));
    expect(leaks).toEqual([]);
  });
});
