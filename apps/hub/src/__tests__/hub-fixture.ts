import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyWebhook } from '@switchboard/channel-webhook';
import type { HubConfig, PluginSpec } from '../config/hub-config.js';
import { createHub, type Hub } from '../composition-root.js';

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';
export const SIGNING_SECRET = `whsec_${Buffer.from('hub-api-test-signing-secret-32b!').toString('base64')}`;

export interface Received {
  id: string;
  body: Record<string, unknown>;
}

/** A loopback webhook receiver that verifies every signature and records what it got. */
export const startReceiver = async (answer: () => number = () => 200) => {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[name] = value;
      try {
        const verified = verifyWebhook({ headers, rawBody, secret: SIGNING_SECRET });
        const status = answer();
        if (status < 300) received.push({ id: verified.id, body: JSON.parse(rawBody.toString('utf8')) as Record<string, unknown> });
        res.writeHead(status).end();
      } catch {
        res.writeHead(401).end();
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/receive`, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
};

export const spec = (id: string, use: string, config: Record<string, unknown>): PluginSpec => ({ id, use, enabled: true, config, resolveFrom: process.cwd(), source: 'test' });

/** A hub on an in-memory embedded store and the in-process queue, answering through `call`. */
/** `databaseUrl` puts the store on that PostgreSQL database instead. */
export const startHub = async (options: {
  callbackUrl: string;
  delivery?: HubConfig['hub']['delivery'];
  inboundSecret?: string;
  databaseUrl?: string;
  identity?: HubConfig['hub']['identity'];
  /** More plugin instances (legacy sources, say). */
  plugins?: PluginSpec[];
  migration?: HubConfig['hub']['migration'];
}) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'sb-hub-'));
  const config: HubConfig = {
    port: 0,
    dataDir,
    role: 'all',
    adminKey: ADMIN_KEY,
    logLevel: 'silent',
    configFile: null,
    hub: {
      bodyLimit: 1024 * 1024,
      continuityWindowSeconds: 3600,
      offerExpiry: { setAway: true },
      delivery: options.delivery ?? { maxAttempts: 3, baseDelayMs: 50 },
      sweepIntervalMs: 300,
      channelQueues: {},
      identity: options.identity ?? { defaultRegion: null, rules: ['exact', 'shared-contact'] },
      ...(options.migration === undefined ? {} : { migration: options.migration }),
    },
    plugins: [
      spec('store', '@switchboard/storage-postgres', options.databaseUrl === undefined ? { dataDir: 'memory://' } : { url: { env: 'HUB_TEST_DATABASE_URL' } }),
      spec('queue', '@switchboard/queue-local', { backoffMs: 20 }),
      spec('webhook', '@switchboard/channel-webhook', {
        channel: 'webhook',
        callbackUrl: options.callbackUrl,
        signingSecret: { env: 'HUB_TEST_SIGNING_SECRET' },
        ...(options.inboundSecret === undefined ? {} : { inboundSecret: { env: 'HUB_TEST_INBOUND_SECRET' } }),
      }),
      ...(options.plugins ?? []),
    ],
  };
  const hub: Hub = await createHub(config, {
    env: { ...process.env, HUB_TEST_SIGNING_SECRET: SIGNING_SECRET, ...(options.databaseUrl === undefined ? {} : { HUB_TEST_DATABASE_URL: options.databaseUrl }), ...(options.inboundSecret === undefined ? {} : { HUB_TEST_INBOUND_SECRET: options.inboundSecret }) },
    print: () => {},
  });
  await hub.start();
  const call = async (method: string, path: string, body?: unknown, key: string | null = ADMIN_KEY) => {
    const headers: Record<string, string> = {};
    if (key) headers['authorization'] = `Bearer ${key}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await hub.fetch(
      new Request(`http://hub.test${path}`, { method, headers, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) }),
    );
    const text = await response.text();
    // Every answer here is JSON (problem+json included) or empty.
    const json = text ? (JSON.parse(text) as Record<string, unknown> & { items?: Record<string, unknown>[] }) : {};
    return { status: response.status, type: response.headers.get('content-type') ?? '', json };
  };
  return {
    hub,
    call,
    stop: async () => {
      await hub.stop(2000);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
};

export const waitFor = async <T>(probe: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 10_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};
