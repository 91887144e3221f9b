import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DomainError, silentLogger, systemClock, type Logger } from '@switchboard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PluginSpec } from '../../config/hub-config.js';
import { contextForKinds, latePluginPorts } from '../plugin-context.js';
import { loadPlugins, PluginLoadError, type LoadPluginsOptions } from '../plugin-loader.js';

const here = dirname(fileURLToPath(import.meta.url));

// Minimal members of each kind, in plain JS: the loader checks their shape, nothing calls them.
const MEMBERS = `
const fn = async () => undefined;
const members = {
  channel: { channel: 'k', send: fn },
  desk: { reaches: () => false, deliverOffer: fn, updateOffer: fn, postToThread: fn, notify: fn },
  crm: { maxBatch: 1, findContacts: fn, upsertContact: fn, logInteraction: fn, state: fn },
  legacy: { describe: fn, read: fn, changesSince: fn, testConnection: fn },
  blob: { maxBytes: 1, put: fn, get: fn, has: fn, delete: fn },
};
`;

const kindPlugin = (name: string, kinds: string[], returned: string[]) => `
import { statSync } from 'node:fs';
${MEMBERS.replace("channel: 'k'", `channel: '${name}'`)}
export default {
  id: '${name}', displayName: '${name}', version: '1.0.0', apiVersion: 1, kinds: ${JSON.stringify(kinds)},
  configSchema: { safeParse: (data) => ({ success: true, data }) },
  create(context) {
    const instance = {
      health: async () => ({ status: 'up' }),
      contextKeys: Object.keys(context).sort(),
      dataDirMode: statSync(context.dataDir).mode & 0o777,
    };
    for (const member of ${JSON.stringify(returned)}) instance[member] = members[member];
    return instance;
  },
};
`;

let root: string;

const writePlugin = async (name: string, text: string) => {
  const dir = join(root, 'node_modules', ...name.split('/'));
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', type: 'module', exports: './index.js' }));
  await writeFile(join(dir, 'index.js'), text);
};

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sb-kinds-'));
  await writePlugin('@acme/desk', kindPlugin('@acme/desk', ['desk'], ['desk']));
  await writePlugin('@acme/channel', kindPlugin('@acme/channel', ['channel'], ['channel']));
  await writePlugin('@acme/everything', kindPlugin('@acme/everything', ['channel', 'desk', 'crm', 'legacy', 'blob'], ['channel', 'desk', 'crm', 'legacy', 'blob']));
  await writePlugin('@acme/desk-without-desk', kindPlugin('@acme/desk-without-desk', ['channel', 'desk'], ['channel']));
  await writePlugin('@acme/undeclared-crm', kindPlugin('@acme/undeclared-crm', ['channel'], ['channel', 'crm']));
  await writePlugin('@acme/half-a-legacy', kindPlugin('@acme/half-a-legacy', ['legacy'], []).replace("legacy: { describe: fn, read: fn,", 'legacy: {').replace('for (const member', "instance.legacy = members.legacy; for (const member"));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const { ports } = latePluginPorts({ ingest: () => Promise.reject(new Error('not in this test')) });
const options = (env: NodeJS.ProcessEnv = {}, logger: Logger = silentLogger): LoadPluginsOptions => ({
  env,
  contextFor: (spec, kinds) =>
    contextForKinds({ instanceId: spec.id, logger, clock: systemClock, dataDir: join(root, 'data', 'plugins', spec.id), role: 'all' }, kinds, ports),
});

const spec = (id: string, use: string, config: Record<string, unknown> = {}, resolveFrom = root): PluginSpec => ({
  id,
  use,
  enabled: true,
  config,
  resolveFrom,
  source: `switchboard.config.yaml: plugins[${id}]`,
});

const loadError = async (specs: PluginSpec[], env: NodeJS.ProcessEnv = {}): Promise<PluginLoadError> => {
  const error: unknown = await loadPlugins(specs, options(env)).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error instanceof PluginLoadError) return error;
  throw new Error(`expected a PluginLoadError, got ${String(error)}`);
};

describe('plugin kinds', () => {
  it('gives each kind the ports it needs and nothing more', async () => {
    const [desk, channel, everything] = await loadPlugins(
      [spec('desk', '@acme/desk'), spec('channel', '@acme/channel'), spec('all', '@acme/everything')],
      options(),
    );
    const base = ['clock', 'dataDir', 'instanceId', 'logger', 'role'];
    expect(desk?.instance).toMatchObject({ contextKeys: [...base, 'desk', 'reads', 'state'].sort() });
    expect(channel?.instance).toMatchObject({ contextKeys: [...base, 'deliveries', 'ingest'].sort() });
    expect(everything?.instance).toMatchObject({ contextKeys: [...base, 'customers', 'deliveries', 'desk', 'ingest', 'reads', 'state'].sort() });
    expect(everything?.instance).toMatchObject({ channel: {}, desk: {}, crm: {}, legacy: {}, blob: {} });
  });

  it('hands over ports that forward once the hub binds them, and say "starting" before', async () => {
    const late = latePluginPorts({ ingest: () => Promise.reject(new Error('unused')) });
    await expect(late.ports.reads.work('a1')).rejects.toMatchObject({ code: 'HUB.STARTING' });
    await expect(late.ports.deliveries.markFailed({ interactionId: 'i' }, 'bounced')).rejects.toBeInstanceOf(DomainError);
    const calls: string[] = [];
    late.bind({
      deliveries: { markFailed: async (_ref, reason) => (calls.push(reason), true) },
      desk: ports.desk,
      reads: ports.reads,
      customers: { customer: async () => Promise.reject(new Error('x')), customersByIdentity: async (identity) => (calls.push(identity), []) },
      stateFor: ports.stateFor,
    });
    expect(await late.ports.deliveries.markFailed({ interactionId: 'i' }, 'bounced')).toBe(true);
    expect(await late.ports.customers.customersByIdentity('email:a@example.com')).toEqual([]);
    expect(calls).toEqual(['bounced', 'email:a@example.com']);
  });

  it('creates the instance data folder, mode 0700, before create() runs', async () => {
    const [plugin] = await loadPlugins([spec('desk-2', '@acme/desk')], options());
    expect(plugin?.instance).toMatchObject({ dataDirMode: 0o700 });
    expect(((await stat(join(root, 'data', 'plugins', 'desk-2'))).mode & 0o777).toString(8)).toBe('700');
  });

  it('refuses a declared kind without its member, naming the plugin and the field', async () => {
    const error = await loadError([spec('half', '@acme/desk-without-desk')]);
    expect(error.message).toBe(
      "switchboard.config.yaml: plugins[half] (half, package @acme/desk-without-desk): desk: declares kind 'desk' but create() returned no desk",
    );
    expect(error.field).toBe('desk');
  });

  it('refuses a member whose kind the manifest does not declare', async () => {
    const error = await loadError([spec('sneaky', '@acme/undeclared-crm')]);
    expect(error.message).toContain("(sneaky, package @acme/undeclared-crm): kinds: create() returned a crm but the manifest does not declare kind 'crm'");
  });

  it('refuses a member that lacks the functions of its port', async () => {
    const error = await loadError([spec('half-legacy', '@acme/half-a-legacy')]);
    expect(error.message).toContain('legacy: create() returned a legacy that is not a legacy (missing functions)');
  });
});

describe('secrets marked in the schema', () => {
  const mailbox = (config: Record<string, unknown>) => spec('mail', './fixtures/mailbox-channel.plugin.ts', config, here);
  const env = { MAIL_A: 'canary-pw-aaaa-1111', MAIL_B: 'canary-pw-bbbb-2222', API_TOKEN: 'canary-token-3333' };

  it('resolves references at any depth and redacts them in publicConfig', async () => {
    await writeFile(join(root, 'b-password.txt'), 'from-a-file-4444\n');
    const [plugin] = await loadPlugins(
      [
        spec('mail', join(here, 'fixtures/mailbox-channel.plugin.ts'), {
          host: { env: 'MAIL_HOST' },
          mailboxes: [
            { user: 'a@example.com', password: { env: 'MAIL_A' } },
            { user: 'b@example.com', password: { file: 'b-password.txt' } },
          ],
          api: { token: { env: 'API_TOKEN' } },
        }),
      ],
      options({ ...env, MAIL_HOST: 'imap.example.com' }),
    );
    expect(plugin?.manifest.secretPaths).toEqual([['mailboxes', '*', 'password'], ['api', 'token']]);
    // Every value given by reference is redacted, a secret or not (the host here).
    expect(plugin?.publicConfig).toEqual({
      host: '[redacted]',
      mailboxes: [
        { user: 'a@example.com', password: '[redacted]' },
        { user: 'b@example.com', password: '[redacted]' },
      ],
      api: { token: '[redacted]' },
    });
    const health = await plugin?.instance.health();
    expect(health?.parts?.['b@example.com']?.detail).toBe('login refused for from-a-file-4444');
    expect(plugin?.redact(health?.parts?.['b@example.com']?.detail ?? '')).toBe('login refused for [redacted]');
  });

  it('refuses an inline secret deep in a list, naming the full path and never the value', async () => {
    const error = await loadError(
      [
        mailbox({
          mailboxes: [
            { user: 'a@example.com', password: { env: 'MAIL_A' } },
            { user: 'b@example.com', password: 'inline-canary-5555' },
          ],
        }),
      ],
      env,
    );
    expect(error.message).toBe(
      'switchboard.config.yaml: plugins[mail] (mail, package ./fixtures/mailbox-channel.plugin.ts): config.mailboxes[1].password: secrets are given by reference ({ env: NAME } or { file: PATH }), not inline',
    );
    expect(error.field).toBe('config.mailboxes[1].password');
  });

  it('names a missing variable at its path', async () => {
    const error = await loadError([mailbox({ mailboxes: [{ user: 'a@example.com', password: { env: 'NOT_SET' } }] })], {});
    expect(error.message).toContain('config.mailboxes[0].password: environment variable NOT_SET is not set');
  });

  it('names an invalid resolved secret by path, without echoing it', async () => {
    const error = await loadError([mailbox({ mailboxes: [{ user: 'a@example.com', password: { env: 'SHORT' } }] })], { SHORT: 'shortpw' });
    expect(error.message).toContain('config.mailboxes[0].password: a password has at least 8 characters');
    expect(error.message).not.toContain('shortpw');
  });

  it('scrubs a secret from the message of a failing create() and from its cause', async () => {
    const error = await loadError([mailbox({ failOnCreate: true, mailboxes: [{ user: 'a@example.com', password: { env: 'MAIL_A' } }] })], env);
    expect(error.message).toContain('create() failed: cannot log in as a@example.com with password [redacted]');
    expect(JSON.stringify([error.message, String(error.cause), error.cause instanceof Error ? error.cause.stack : ''])).not.toContain('canary-pw-aaaa');
  });

  it('scrubs the secrets from what the plugin logs', async () => {
    const lines: string[] = [];
    const capture: Logger = {
      debug: (f, m) => lines.push(JSON.stringify([f, m])),
      info: (f, m) => lines.push(JSON.stringify([f, m])),
      warn: (f, m) => lines.push(JSON.stringify([f, m])),
      error: (f, m) => lines.push(JSON.stringify([f, m])),
      child: () => capture,
    };
    await loadPlugins(
      [mailbox({ mailboxes: [{ user: 'a@example.com', password: { env: 'MAIL_A' } }], api: { token: { env: 'API_TOKEN' } } })],
      options(env, capture),
    );
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toMatch(/canary-/);
    expect(lines.join('\n')).toContain('[redacted]');
  });

  it('keeps the top-level secrets list working for a schema that cannot mark (dotted paths too)', async () => {
    await writePlugin(
      '@acme/listed',
      `export default { id: '@acme/listed', displayName: 'x', version: '1', apiVersion: 1, kinds: ['channel'],
        configSchema: { safeParse: (data) => ({ success: true, data }) }, secrets: ['token', 'accounts[].key'],
        create: () => ({ channel: { channel: 'listed', send: async () => ({}) }, health: async () => ({ status: 'up' }) }) };`,
    );
    const error = await loadError([spec('listed', '@acme/listed', { token: { env: 'T' }, accounts: [{ key: 'inline' }] })], { T: 'tttttttt' });
    expect(error.field).toBe('config.accounts[0].key');
    const [plugin] = await loadPlugins([spec('listed', '@acme/listed', { token: { env: 'T' }, accounts: [{ key: { env: 'T' } }] })], options({ T: 'tttttttt' }));
    expect(plugin?.publicConfig).toEqual({ token: '[redacted]', accounts: [{ key: '[redacted]' }] });
  });
});

describe('several instances of one package', () => {
  const webhook = (id: string, channel: string) => spec(id, '@switchboard/channel-webhook', { channel }, tmpdir());

  it('loads two webhook instances, each serving its own channel', async () => {
    const plugins = await loadPlugins([webhook('webhook-a', 'webhook-a'), webhook('webhook-b', 'webhook-b')], options());
    expect(plugins.map((p) => [p.spec.id, p.manifest.id, p.instance.channel?.channel])).toEqual([
      ['webhook-a', '@switchboard/channel-webhook', 'webhook-a'],
      ['webhook-b', '@switchboard/channel-webhook', 'webhook-b'],
    ]);
  });

  it('refuses two instances claiming one channel name, naming both', async () => {
    const error = await loadError([webhook('webhook-a', 'shared'), webhook('webhook-b', 'shared')]);
    expect(error.message).toContain("(webhook-b, package @switchboard/channel-webhook): config.channel: channel 'shared' is already served by instance 'webhook-a'");
  });
});
