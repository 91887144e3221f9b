import { secretPathsOf, storedPluginState, systemClock, type Logger, type PluginContext } from '@switchboard/core';
import { InMemoryStore } from '@switchboard/core/testing';
import { describe, expect, it } from 'vitest';
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

const contextWith = (logger: Logger): PluginContext<'desk'> => ({
  instanceId: 'teams',
  logger,
  clock: systemClock,
  dataDir: '/tmp/desk-teams',
  role: 'all',
  state: storedPluginState(new InMemoryStore(), 'teams', () => new Date()),
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
});
