import { secretPathsOf, storedPluginState, systemClock, type Logger, type PluginContext, type PluginState } from '@switchboard/core';
import { InMemoryStore } from '@switchboard/core/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import plugin from '../index.js';

const unused = (): never => {
  throw new Error('not used by this test');
};

const recordingLogger = (lines: { level: string; message: string }[]): Logger => {
  const logger: Logger = {
    debug: (_f, message) => lines.push({ level: 'debug', message }),
    info: (_f, message) => lines.push({ level: 'info', message }),
    warn: (_f, message) => lines.push({ level: 'warn', message }),
    error: (_f, message) => lines.push({ level: 'error', message }),
    child: () => logger,
  };
  return logger;
};

const contextWith = (logger: Logger, options: { role?: PluginContext['role']; state?: PluginState } = {}): PluginContext<'desk'> => ({
  instanceId: 'teams',
  logger,
  clock: systemClock,
  dataDir: '/tmp/desk-teams',
  role: options.role ?? 'all',
  state: options.state ?? storedPluginState(new InMemoryStore(), 'teams', () => new Date()),
  desk: { accept: unused, decline: unused, reply: unused, note: unused, resolve: unused, reopen: unused, transfer: unused, setPresence: unused, lookUpCustomer: unused, listWork: unused },
  reads: { customer: unused, customersByIdentity: unused, conversation: unused, timeline: unused, work: unused, agent: unused, agentByDesk: unused, queueByName: unused, agents: unused, queues: unused },
});

describe('@switchboard/desk-teams manifest and modes', () => {
  it('declares the desk kind and marks appPassword as a secret', () => {
    expect(plugin).toMatchObject({ id: '@switchboard/desk-teams', apiVersion: 1, kinds: ['desk'] });
    expect(secretPathsOf(plugin.configSchema)).toEqual([['appPassword']]);
  });

  it('without an appId runs in development mode: a warning at every start, and health says so', async () => {
    const lines: { level: string; message: string }[] = [];
    const instance = await plugin.create(contextWith(recordingLogger(lines)), plugin.configSchema.parse({}));
    await instance.start?.();
    await instance.start?.();
    expect(lines.filter((l) => l.level === 'warn' && l.message.includes('DEVELOPMENT MODE'))).toHaveLength(2);
    expect(await instance.health()).toMatchObject({ status: 'up', detail: expect.stringContaining('development mode') });
    expect(await instance.testConnection?.()).toMatchObject({ status: 'up', detail: expect.stringContaining('development mode') });
  });

  it('with an appId logs no development warning', async () => {
    const lines: { level: string; message: string }[] = [];
    const instance = await plugin.create(contextWith(recordingLogger(lines)), plugin.configSchema.parse({ appId: 'app-1', appPassword: 'secret-value' }));
    await instance.start?.();
    expect(lines.filter((l) => l.level === 'warn')).toEqual([]);
    expect((await instance.health()).detail).toContain('app app-1');
  });

  it('expires old offer cards and post ids where workers run, and keeps references, reply chains and recent keys', async () => {
    const store = new InMemoryStore();
    const written40DaysAgo = storedPluginState(store, 'teams', () => new Date(Date.now() - 40 * 86_400_000));
    const state = storedPluginState(store, 'teams', () => new Date());
    for (const key of ['offer:old', 'post:old', 'ref:29:1', 'root:1600000000', 'thread:agent:conversation']) await written40DaysAgo.set(key, { key });
    await state.set('offer:recent', { key: 'offer:recent' });
    const keys = async () => (await state.list('')).map((e) => e.key);
    const all = await keys();
    const config = plugin.configSchema.parse({ stateRetentionDays: 30 });
    // An api process leaves the state alone.
    const api = await plugin.create(contextWith(recordingLogger([]), { role: 'api', state }), config);
    await api.start?.();
    await sleep(200);
    await api.stop?.();
    expect(await keys()).toEqual(all);
    const lines: { level: string; message: string }[] = [];
    const worker = await plugin.create(contextWith(recordingLogger(lines), { role: 'worker', state }), config);
    await worker.start?.();
    try {
      await vi.waitFor(async () => expect(await keys()).toEqual(['offer:recent', 'ref:29:1', 'root:1600000000', 'thread:agent:conversation']));
      expect(lines).toContainEqual({ level: 'info', message: 'plugin state: expired entries pruned' });
    } finally {
      await worker.stop?.();
    }
  });
});
