import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, systemClock } from '@switchboard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadHubConfig, type PluginSpec } from '../../config/hub-config.js';
import { loadPlugins, PluginLoadError, type OfferedPluginContext } from '../plugin-loader.js';

// A third-party plugin outside the workspace: plain ESM, its own tiny "schema", no @switchboard/core.
const ECHO_PLUGIN = `
const configSchema = {
  safeParse(input) {
    const issues = [];
    if (typeof input !== 'object' || input === null) return { success: false, error: { issues: [{ path: [], message: 'expected an object' }] } };
    if (typeof input.greeting !== 'string') issues.push({ path: ['greeting'], message: 'expected a string' });
    if (input.token !== undefined && typeof input.token !== 'string') issues.push({ path: ['token'], message: 'expected a string' });
    if (issues.length > 0) return { success: false, error: { issues } };
    return { success: true, data: { greeting: input.greeting, token: input.token, channel: input.channel ?? 'echo' } };
  },
};
export default {
  id: '@acme/channel-echo',
  displayName: 'Echo',
  version: '1.2.3',
  apiVersion: API_VERSION,
  kinds: ['channel'],
  configSchema,
  secrets: ['token'],
  create(context, config) {
    return {
      config,
      instanceId: context.instanceId,
      channel: { channel: config.channel, async send() { return {}; } },
      async health() { return { status: 'up' }; },
    };
  },
};
`;

let root: string;
let pluginsDir: string;

const writePackage = async (name: string, pkg: Record<string, unknown>, files: Record<string, string>) => {
  const dir = join(root, 'node_modules', ...name.split('/'));
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', ...pkg }));
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
};

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sb-plugins-'));
  await writePackage('@acme/channel-echo', { type: 'module', exports: './index.js' }, { 'index.js': ECHO_PLUGIN.replace('API_VERSION', '1') });
  // exports with only an "import" condition: require.resolve cannot find it.
  await writePackage(
    '@acme/channel-import-only',
    { type: 'module', exports: { '.': { import: './lib/main.js' } } },
    {},
  );
  await mkdir(join(root, 'node_modules/@acme/channel-import-only/lib'));
  await writeFile(
    join(root, 'node_modules/@acme/channel-import-only/lib/main.js'),
    ECHO_PLUGIN.replace('API_VERSION', '1').replace("'@acme/channel-echo'", "'@acme/channel-import-only'"),
  );
  await writePackage('@acme/future', { type: 'module', exports: './index.js' }, { 'index.js': ECHO_PLUGIN.replace('API_VERSION', '99') });
  await writePackage('not-a-plugin', { type: 'module', main: 'index.js' }, { 'index.js': 'export const x = 1;\n' });
  pluginsDir = join(root, 'local');
  await mkdir(pluginsDir);
  await writeFile(join(pluginsDir, 'echo.mjs'), ECHO_PLUGIN.replace('API_VERSION', '1'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const contextFor = (spec: PluginSpec): OfferedPluginContext => ({
  instanceId: spec.id,
  logger: silentLogger,
  clock: systemClock,
  dataDir: join(root, 'data', spec.id),
  role: 'all',
  ingest: { ingest: async () => ({ interactionId: 'i', customerId: 'c', conversationId: 'v', duplicate: false }) },
});

const spec = (overrides: Partial<PluginSpec> = {}): PluginSpec => ({
  id: 'echo',
  use: '@acme/channel-echo',
  enabled: true,
  config: { greeting: 'hello', token: { env: 'ECHO_TOKEN' } },
  resolveFrom: root,
  source: 'switchboard.config.yaml: plugins[0]',
  ...overrides,
});

const env = { ECHO_TOKEN: 'tok-123' };

const loadError = async (specs: PluginSpec[], environment: NodeJS.ProcessEnv = env): Promise<PluginLoadError> => {
  try {
    await loadPlugins(specs, { env: environment, contextFor });
  } catch (error) {
    if (error instanceof PluginLoadError) return error;
    throw error;
  }
  throw new Error('expected a PluginLoadError');
};

describe('loadPlugins', () => {
  it('loads a plugin package from outside the workspace, resolving its secret from the environment', async () => {
    const [plugin, ...rest] = await loadPlugins([spec()], { env, contextFor });
    expect(rest).toHaveLength(0);
    expect(plugin?.manifest).toMatchObject({ id: '@acme/channel-echo', version: '1.2.3', apiVersion: 1, kinds: ['channel'], secrets: ['token'] });
    expect(plugin?.instance.channel?.channel).toBe('echo');
    expect(plugin?.instance).toMatchObject({ instanceId: 'echo', config: { greeting: 'hello', token: 'tok-123' } });
    expect(plugin?.publicConfig).toEqual({ greeting: 'hello', token: '[redacted]' });
    await expect(plugin?.instance.health()).resolves.toEqual({ status: 'up' });
  });

  it('loads an ESM package whose exports only have an "import" condition', async () => {
    const [plugin] = await loadPlugins([spec({ use: '@acme/channel-import-only' })], { env, contextFor });
    expect(plugin?.manifest.id).toBe('@acme/channel-import-only');
  });

  it('loads a plugin given by path, relative to resolveFrom', async () => {
    const [plugin] = await loadPlugins([spec({ use: './local/echo.mjs' })], { env, contextFor });
    expect(plugin?.manifest.id).toBe('@acme/channel-echo');
  });

  it('reads a { file } secret reference relative to resolveFrom', async () => {
    await writeFile(join(root, 'token.txt'), 'from-file\n');
    const [plugin] = await loadPlugins([spec({ config: { greeting: 'hi', token: { file: 'token.txt' } } })], { env: {}, contextFor });
    expect(plugin?.instance).toMatchObject({ config: { token: 'from-file' } });
  });

  it('skips disabled instances', async () => {
    const plugins = await loadPlugins([spec({ enabled: false, use: '@acme/does-not-exist' })], { env, contextFor });
    expect(plugins).toEqual([]);
  });

  it('loads a built-in workspace plugin through the hub’s own resolution', async () => {
    const [plugin] = await loadPlugins([spec({ id: 'webhook', use: '@switchboard/channel-webhook', config: {}, resolveFrom: tmpdir() })], {
      env: {},
      contextFor,
    });
    expect(plugin?.manifest.id).toBe('@switchboard/channel-webhook');
    expect(plugin?.instance.channel?.channel).toBe('webhook');
  });

  it('loads the built-in set the configuration gives with no file (storage, queue, blobs, webhook)', async () => {
    const config = await loadHubConfig({ SWITCHBOARD_DATA_DIR: join(root, 'hub-data') }, root);
    const plugins = await loadPlugins(config.plugins, { env: {}, contextFor });
    expect(plugins.map((p) => [p.spec.id, p.manifest.id, [...p.manifest.kinds]])).toEqual([
      ['store', '@switchboard/storage-postgres', ['storage']],
      ['queue', '@switchboard/queue-local', ['queue']],
      ['blobs', '@switchboard/blob-fs', ['blob']],
      ['webhook', '@switchboard/channel-webhook', ['channel']],
    ]);
    expect(plugins[2]?.instance.blob).toBeDefined();
    expect(plugins[0]?.instance.store).toBeDefined();
    expect(plugins[1]?.instance.queue).toBeDefined();
  });

  it('redacts a resolved connection string in publicConfig', async () => {
    const config = await loadHubConfig({ DATABASE_URL: 'postgres://sb:pw@127.0.0.1:1/sb' }, root);
    const [store] = await loadPlugins(config.plugins.slice(0, 1), { env: { DATABASE_URL: 'postgres://sb:pw@127.0.0.1:1/sb' }, contextFor });
    expect(store?.publicConfig).toEqual({ url: '[redacted]' });
  });

  describe('refusals', () => {
    it('refuses an unknown package, naming it', async () => {
      const error = await loadError([spec({ id: 'ghost', use: '@acme/no-such-plugin' })]);
      expect(error.message).toContain('switchboard.config.yaml: plugins[0] (ghost, package @acme/no-such-plugin)');
      expect(error.message).toContain('package not found');
      expect(error).toMatchObject({ instanceId: 'ghost', packageName: '@acme/no-such-plugin' });
    });

    it('refuses a missing path', async () => {
      const error = await loadError([spec({ use: './local/missing.js' })]);
      expect(error.message).toContain('no file or folder at');
    });

    it('refuses a package that is not a plugin', async () => {
      const error = await loadError([spec({ use: 'not-a-plugin' })]);
      expect(error.message).toContain('package not-a-plugin');
      expect(error.message).toContain('no default export');
    });

    it('refuses an unsupported plugin API version', async () => {
      const error = await loadError([spec({ use: '@acme/future' })]);
      expect(error.message).toBe(
        'switchboard.config.yaml: plugins[0] (echo, package @acme/future): apiVersion: written for plugin API version 99, this hub supports 1',
      );
      expect(error.field).toBe('apiVersion');
    });

    it('refuses a bad config field, naming it', async () => {
      const error = await loadError([spec({ config: { greeting: 42, token: { env: 'ECHO_TOKEN' } } })]);
      expect(error.message).toBe(
        'switchboard.config.yaml: plugins[0] (echo, package @acme/channel-echo): config.greeting: expected a string',
      );
      expect(error.field).toBe('config.greeting');
    });

    it('refuses an inline secret without echoing it', async () => {
      const error = await loadError([spec({ config: { greeting: 'hi', token: 'inline-s3cret' } })]);
      expect(error.message).toContain('config.token: secrets are given by reference ({ env: NAME } or { file: PATH }), not inline');
      expect(error.message).not.toContain('inline-s3cret');
    });

    it('refuses a secret whose environment variable is missing, naming the variable', async () => {
      const error = await loadError([spec()], {});
      expect(error.message).toContain('(echo, package @acme/channel-echo): config.token: environment variable ECHO_TOKEN is not set');
    });

    it('refuses two instances serving the same channel name', async () => {
      const error = await loadError([spec(), spec({ id: 'echo-two', source: 'switchboard.config.yaml: plugins[1]' })]);
      expect(error.message).toContain("plugins[1] (echo-two, package @acme/channel-echo): config.channel: channel 'echo' is already served by instance 'echo'");
    });

    it('refuses a built-in with a bad config field', async () => {
      const error = await loadError([
        spec({ id: 'webhook', use: '@switchboard/channel-webhook', config: { callbackUrl: 'not a url' }, source: 'built-in' }),
      ]);
      expect(error.message).toMatch(/^plugin \(webhook, package @switchboard\/channel-webhook\): config\.callbackUrl: /);
    });
  });
});
