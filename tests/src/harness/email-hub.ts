import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHub, type Hub, type HubConfig, type PluginSpec } from '@switchboard/hub';
import { createTestDatabase, type TestDatabase } from './test-database.js';
import type { DovecotServer } from './dovecot-server.js';
import type { SmtpSink } from './smtp-sink.js';

export const EMAIL_HUB_ADMIN_KEY = 'email-test-admin-key-0123456789abcdef';

export interface MailboxSpec {
  id: string;
  channel: string;
  mailbox?: string;
  pollSeconds?: number;
  maxMessageBytes?: number;
  keepOriginal?: 'always' | 'when-needed';
}

export const mailboxSpec = (dovecot: DovecotServer, sink: SmtpSink, m: MailboxSpec): PluginSpec => ({
  id: m.id,
  use: '@switchboard/channel-email',
  enabled: true,
  resolveFrom: process.cwd(),
  source: 'test',
  config: {
    channel: m.channel,
    address: 'support@acme.test',
    imap: { host: '127.0.0.1', port: dovecot.port, user: 'support', password: { env: 'EMAIL_TEST_IMAP_PASSWORD' }, mailbox: m.mailbox ?? 'INBOX', pollSeconds: m.pollSeconds ?? 2, noopSeconds: 30 },
    smtp: { host: '127.0.0.1', port: sink.port, user: 'support', password: { env: 'EMAIL_TEST_SMTP_PASSWORD' } },
    ...(m.maxMessageBytes ? { maxMessageBytes: m.maxMessageBytes } : {}),
    ...(m.keepOriginal ? { keepOriginal: m.keepOriginal } : {}),
  },
});

/** A hub in this process on a fresh PostgreSQL database, with the given email instances and a blob store. */
export const startEmailHub = async (options: { database?: TestDatabase; mailboxes: PluginSpec[]; dataDir?: string; env?: Record<string, string> }) => {
  const database = options.database ?? (await createTestDatabase());
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'sb-email-')));
  const spec = (id: string, use: string, config: Record<string, unknown>): PluginSpec => ({ id, use, enabled: true, config, resolveFrom: process.cwd(), source: 'test' });
  const config: HubConfig = {
    port: 0,
    dataDir,
    role: 'all',
    adminKey: EMAIL_HUB_ADMIN_KEY,
    logLevel: process.env['EMAIL_TEST_LOG'] === '1' ? 'debug' : 'silent',
    configFile: null,
    hub: {
      bodyLimit: 1024 * 1024,
      continuityWindowSeconds: 3600,
      identity: { defaultRegion: null, rules: ['exact', 'shared-contact'] },
      offerExpiry: { setAway: true },
      delivery: { maxAttempts: 3, baseDelayMs: 50 },
      sweepIntervalMs: 300,
      channelQueues: {},
    },
    plugins: [
      spec('store', '@switchboard/storage-postgres', { url: { env: 'EMAIL_TEST_DATABASE_URL' } }),
      spec('queue', '@switchboard/queue-local', { backoffMs: 20 }),
      spec('blobs', '@switchboard/blob-fs', {}),
      ...options.mailboxes,
    ],
  };
  const hub: Hub = await createHub(config, {
    env: { ...process.env, EMAIL_TEST_DATABASE_URL: database.url, EMAIL_TEST_IMAP_PASSWORD: 'supportpw', EMAIL_TEST_SMTP_PASSWORD: 'smtppw', ...options.env },
    print: () => {},
  });
  await hub.start();
  const call = async (method: string, path: string, body?: unknown) => {
    const headers: Record<string, string> = { authorization: `Bearer ${EMAIL_HUB_ADMIN_KEY}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await hub.fetch(new Request(`http://hub.test${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }));
    const text = await response.text();
    return { status: response.status, json: (text ? JSON.parse(text) : {}) as Record<string, unknown> & { items?: Record<string, unknown>[] } };
  };
  const count = async (where = 'true', params: unknown[] = []) => {
    const result = await database.pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM interactions WHERE ${where}`, params);
    return Number(result.rows[0]?.n ?? 0);
  };
  return {
    hub,
    call,
    database,
    dataDir,
    count,
    /** Stops the hub; the database and data folder stay for a restart unless `dispose`. */
    stop: async (dispose = true) => {
      await hub.stop(2000);
      if (dispose) {
        await rm(dataDir, { recursive: true, force: true });
        await database.drop();
      }
    },
  };
};

export const waitUntil = async (probe: () => Promise<boolean>, what: string, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

export const aMail = (n: number | string, extra: { messageId?: string | null; from?: string; subject?: string; headers?: string; body?: string } = {}) => {
  const id = extra.messageId === undefined ? `<m-${n}@customer.example.com>` : extra.messageId;
  return [
    `From: ${extra.from ?? `Customer ${n} <c${n}@customer.example.com>`}`,
    'To: support@acme.test',
    `Subject: ${extra.subject ?? `question ${n}`}`,
    ...(id === null ? [] : [`Message-ID: ${id}`]),
    'Date: Tue, 01 Dec 2026 10:00:00 +0000',
    ...(extra.headers ? [extra.headers] : []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    extra.body ?? `Hello, this is mail ${n}.`,
    '',
  ].join('\r\n');
};
