import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadHubConfig } from '../hub-config.js';

let cwd: string;

beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'sb-config-'));
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

const writeConfig = (text: string, name = 'switchboard.config.yaml') => writeFile(join(cwd, name), text);

const errorOf = async (promise: Promise<unknown>): Promise<ConfigError> => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('loadHubConfig: environment', () => {
  it('applies the documented defaults with no file and no variables', async () => {
    const config = await loadHubConfig({}, cwd);
    expect(config).toEqual({
      port: 3000,
      dataDir: join(cwd, '.switchboard'),
      role: 'all',
      logLevel: 'info',
      configFile: null,
      hub: {
        bodyLimit: 1_048_576,
        continuityWindowSeconds: 604_800,
        offerExpiry: { setAway: true },
        routing: { requeueOnOffline: true, declineCooldownSeconds: 30 },
        delivery: { maxAttempts: 8, baseDelayMs: 2000 },
        sweepIntervalMs: 2000,
        channelQueues: {},
        identity: { defaultRegion: null, rules: ['exact', 'shared-contact', 'crm-match'] },
        migration: { batchSize: 1000, openTickets: 'queue' },
        crm: { factsTtlSeconds: 300, maxAttempts: 8, leaseSeconds: 30 },
      },
      plugins: [
        {
          id: 'store',
          use: '@switchboard/storage-postgres',
          enabled: true,
          config: { dataDir: join(cwd, '.switchboard', 'db') },
          resolveFrom: cwd,
          source: 'built-in',
        },
        { id: 'queue', use: '@switchboard/queue-local', enabled: true, config: {}, resolveFrom: cwd, source: 'built-in' },
        { id: 'blobs', use: '@switchboard/blob-fs', enabled: true, config: {}, resolveFrom: cwd, source: 'built-in' },
        { id: 'webhook', use: '@switchboard/channel-webhook', enabled: true, config: {}, resolveFrom: cwd, source: 'built-in' },
      ],
    });
    expect(config).not.toHaveProperty('adminKey');
  });

  it('reads every variable', async () => {
    const config = await loadHubConfig(
      {
        PORT: '8080',
        SWITCHBOARD_DATA_DIR: 'data',
        DATABASE_URL: 'postgres://sb:pw@db:5432/sb',
        REDIS_URL: 'redis://cache:6379',
        SWITCHBOARD_ADMIN_KEY: 'sbk_0123abcd_secret',
        SWITCHBOARD_METRICS_KEY: 'scrape-me',
        SWITCHBOARD_ROLE: 'worker',
        LOG_LEVEL: 'debug',
      },
      cwd,
    );
    expect(config.port).toBe(8080);
    expect(config.dataDir).toBe(join(cwd, 'data'));
    expect(config.role).toBe('worker');
    expect(config.logLevel).toBe('debug');
    expect(config.adminKey).toBe('sbk_0123abcd_secret');
    expect(config.metricsKey).toBe('scrape-me');
    // Connection strings stay references so they are resolved (and redacted) like any secret.
    expect(config.plugins.slice(0, 2)).toMatchObject([
      { id: 'store', use: '@switchboard/storage-postgres', config: { url: { env: 'DATABASE_URL' } } },
      { id: 'queue', use: '@switchboard/queue-bullmq', config: { url: { env: 'REDIS_URL' } } },
    ]);
  });

  it.each([
    [{ PORT: 'eighty' }, /^PORT: expected an integer/],
    [{ PORT: '70000' }, /^PORT: /],
    [{ SWITCHBOARD_ROLE: 'both' }, /^SWITCHBOARD_ROLE: expected one of all, api, worker/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL: /],
    [{ DATABASE_URL: 'mysql://u:pw@db/x' }, /^DATABASE_URL: expected postgres:\/\//],
    [{ REDIS_URL: 'not a url' }, /^REDIS_URL: not a valid URL/],
    [{ SWITCHBOARD_CONFIG: 'missing.yaml' }, /^SWITCHBOARD_CONFIG: file not found/],
  ])('names the variable of an invalid value %j', async (env, message) => {
    const error = await errorOf(loadHubConfig(env, cwd));
    expect(error.message).toMatch(message);
  });

  it('never echoes a connection string with its password', async () => {
    const error = await errorOf(loadHubConfig({ DATABASE_URL: 'mysql://u:hunter2@db/x' }, cwd));
    expect(error.message).not.toContain('hunter2');
  });
});

describe('loadHubConfig: configuration file', () => {
  it('reads switchboard.config.yaml from the working directory', async () => {
    await writeConfig(`
hub:
  bodyLimit: 2048
  offerExpiry: { setAway: false }
  delivery: { maxAttempts: 3 }
  channelQueues: { email: support }
  identity: { defaultRegion: GB, rules: [shared-contact, exact] }
  migration: { openTickets: record }
plugins:
  - id: mail
    use: "@acme/channel-mail"
    config: { host: imap.example.com, password: { env: MAIL_PASSWORD } }
  - id: old
    use: ./plugins/legacy.js
    enabled: false
`);
    const config = await loadHubConfig({}, cwd);
    expect(config.configFile).toBe(join(cwd, 'switchboard.config.yaml'));
    expect(config.hub).toEqual({
      bodyLimit: 2048,
      continuityWindowSeconds: 604_800,
      offerExpiry: { setAway: false },
      routing: { requeueOnOffline: true, declineCooldownSeconds: 30 },
      delivery: { maxAttempts: 3, baseDelayMs: 2000 },
      sweepIntervalMs: 2000,
      channelQueues: { email: 'support' },
      identity: { defaultRegion: 'GB', rules: ['shared-contact', 'exact'] },
      migration: { batchSize: 1000, openTickets: 'record' },
      crm: { factsTtlSeconds: 300, maxAttempts: 8, leaseSeconds: 30 },
    });
    // Built-in storage, queue and blobs first; no built-in webhook channel once a file exists.
    expect(config.plugins.map((p) => [p.id, p.use, p.enabled])).toEqual([
      ['store', '@switchboard/storage-postgres', true],
      ['queue', '@switchboard/queue-local', true],
      ['blobs', '@switchboard/blob-fs', true],
      ['mail', '@acme/channel-mail', true],
      ['old', './plugins/legacy.js', false],
    ]);
    expect(config.plugins[3]).toEqual({
      id: 'mail',
      use: '@acme/channel-mail',
      enabled: true,
      config: { host: 'imap.example.com', password: { env: 'MAIL_PASSWORD' } },
      resolveFrom: cwd,
      source: 'switchboard.config.yaml: plugins[0]',
    });
  });

  it('uses SWITCHBOARD_CONFIG and resolves plugins from that file’s folder', async () => {
    await mkdir(join(cwd, 'etc'));
    await writeConfig(
      `plugins:\n  - { id: db, use: "@switchboard/storage-postgres", config: { url: { env: DATABASE_URL } } }\n`,
      'etc/hub.yaml',
    );
    const config = await loadHubConfig({ SWITCHBOARD_CONFIG: 'etc/hub.yaml' }, cwd);
    expect(config.configFile).toBe(join(cwd, 'etc', 'hub.yaml'));
    // The file names a storage built-in, so only the queue is added.
    expect(config.plugins.map((p) => p.id)).toEqual(['queue', 'blobs', 'db']);
    expect(config.plugins.every((p) => p.resolveFrom === join(cwd, 'etc'))).toBe(true);
  });

  it('accepts an empty file', async () => {
    await writeConfig('');
    const config = await loadHubConfig({}, cwd);
    expect(config.plugins.map((p) => p.id)).toEqual(['store', 'queue', 'blobs']);
  });

  it('adds no built-in blob store when the file configures blob-fs', async () => {
    await writeConfig('plugins:\n  - { id: attachments, use: "@switchboard/blob-fs", config: { dir: /srv/blobs, maxBytes: 1000 } }\n');
    const config = await loadHubConfig({}, cwd);
    expect(config.plugins.map((p) => p.id)).toEqual(['store', 'queue', 'attachments']);
  });

  it.each([
    ['unknown top-level key', 'hub: {}\nplugin: []\n', 'switchboard.config.yaml: plugin: unknown key'],
    ['unknown hub key', 'hub: { bodylimit: 5 }\n', 'switchboard.config.yaml: hub.bodylimit: unknown key'],
    ['bad hub value', 'hub: { delivery: { maxAttempts: 0 } }\n', 'switchboard.config.yaml: hub.delivery.maxAttempts: '],
    ['unknown phone region', 'hub: { identity: { defaultRegion: XX } }\n', 'switchboard.config.yaml: hub.identity.defaultRegion: a region code'],
    ['unknown resolution rule', 'hub: { identity: { rules: [exact, guess] } }\n', 'switchboard.config.yaml: hub.identity.rules[1]: Invalid option'],
    [
      'bad instance id',
      'plugins:\n  - { id: Web_Hook, use: "@switchboard/channel-webhook" }\n',
      'switchboard.config.yaml: plugins[0] (Web_Hook): id: an instance id is made of [a-z0-9-]',
    ],
    [
      'missing use',
      'plugins:\n  - { id: a, use: x }\n  - { id: webhook }\n',
      'switchboard.config.yaml: plugins[1] (webhook): use: ',
    ],
    [
      'bad config type',
      'plugins:\n  - { id: webhook, use: x, config: [1] }\n',
      'switchboard.config.yaml: plugins[0] (webhook): config: ',
    ],
    [
      'duplicate id',
      'plugins:\n  - { id: hook, use: a }\n  - { id: hook, use: b }\n',
      'switchboard.config.yaml: plugins[1] (hook): id: already used by plugins[0]',
    ],
    [
      'two queues',
      'plugins:\n  - { id: q1, use: "@switchboard/queue-local" }\n  - { id: q2, use: "@switchboard/queue-bullmq" }\n',
      'switchboard.config.yaml: plugins: exactly one queue plugin may be enabled, found q1, q2',
    ],
    [
      'reserved id',
      'plugins:\n  - { id: store, use: "@acme/thing" }\n',
      "switchboard.config.yaml: plugins[0] (store): id: 'store' is reserved",
    ],
    ['invalid YAML', 'hub: [unclosed\n', 'switchboard.config.yaml: invalid YAML: '],
  ])('refuses a file with %s, naming the field', async (_name, text, message) => {
    await writeConfig(text);
    const error = await errorOf(loadHubConfig({}, cwd));
    expect(error.message).toContain(message);
  });
});
