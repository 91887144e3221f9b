import type { Health, Logger, PluginInstance, PluginKind } from '@switchboard/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { LoadedPlugin } from '../plugin-loader.js';
import { PluginLoadError } from '../plugin-loader.js';
import { PluginSupervisor } from '../plugin-supervisor.js';

interface LogLine {
  level: string;
  fields: Record<string, unknown>;
  message: string;
}

const recordingLogger = (lines: LogLine[]): Logger => {
  const logger: Logger = {
    debug: (fields, message) => lines.push({ level: 'debug', fields, message }),
    info: (fields, message) => lines.push({ level: 'info', fields, message }),
    warn: (fields, message) => lines.push({ level: 'warn', fields, message }),
    error: (fields, message) => lines.push({ level: 'error', fields, message }),
    child: () => logger,
  };
  return logger;
};

const plugin = (id: string, kinds: PluginKind[], instance: PluginInstance): LoadedPlugin => ({
  spec: { id, use: `@test/${id}`, enabled: true, config: {}, resolveFrom: '/' },
  manifest: {
    id: `@test/${id}`,
    displayName: id,
    version: '1.0.0',
    apiVersion: 1,
    kinds,
    configSchema: z.object({}),
    secrets: [],
    secretPaths: [],
    create: async () => instance,
  },
  instance,
  publicConfig: {},
  redact: (text) => text,
});

const up = async (): Promise<Health> => ({ status: 'up' });
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PluginSupervisor', () => {
  it('starts storage and queue first, and stops everything in reverse order', async () => {
    const calls: string[] = [];
    const track = (id: string): PluginInstance => ({
      start: async () => void calls.push(`start ${id}`),
      stop: async () => void calls.push(`stop ${id}`),
      health: up,
    });
    const supervisor = new PluginSupervisor(
      [plugin('mail', ['channel'], track('mail')), plugin('store', ['storage'], track('store')), plugin('queue', ['queue'], track('queue'))],
      { logger: recordingLogger([]) },
    );
    await supervisor.start();
    await supervisor.stop();
    expect(calls).toEqual(['start store', 'start queue', 'start mail', 'stop mail', 'stop queue', 'stop store']);
  });

  it('restarts a running plugin whose health goes down, but never the storage', async () => {
    const calls: string[] = [];
    let crashed = false;
    const mail: PluginInstance = {
      start: async () => {
        calls.push('start mail');
        crashed = false;
      },
      stop: async () => void calls.push('stop mail'),
      health: async () => (crashed ? { status: 'down', detail: 'connection lost' } : { status: 'up' }),
    };
    const store: PluginInstance = { start: async () => void calls.push('start store'), health: async () => ({ status: 'down', detail: 'db gone' }) };
    const lines: LogLine[] = [];
    const supervisor = new PluginSupervisor([plugin('store', ['storage'], store), plugin('mail', ['channel'], mail)], { logger: recordingLogger(lines) });
    await supervisor.start();
    expect(await supervisor.restartUnhealthy()).toEqual([]);
    crashed = true;
    expect(await supervisor.restartUnhealthy()).toEqual(['mail']);
    expect(calls).toEqual(['start store', 'start mail', 'stop mail', 'start mail']);
    expect((await supervisor.health()).find((p) => p.id === 'mail')?.health).toEqual({ status: 'up' });
    expect(lines.some((l) => l.level === 'error' && l.fields['plugin'] === 'mail')).toBe(true);
    await supervisor.stop();
  });

  it('rethrows when a storage plugin fails to start', async () => {
    const supervisor = new PluginSupervisor(
      [plugin('store', ['storage'], { start: () => Promise.reject(new Error('connection refused')), health: up })],
      { logger: recordingLogger([]) },
    );
    const failure = supervisor.start();
    await expect(failure).rejects.toBeInstanceOf(PluginLoadError);
    await expect(failure).rejects.toThrow('plugin (store, package @test/store): failed to start: connection refused');
  });

  it('keeps the hub up when another plugin fails, reports it down and retries with backoff', async () => {
    const lines: LogLine[] = [];
    let attempts = 0;
    const flaky: PluginInstance = {
      start: async () => {
        attempts += 1;
        if (attempts < 3) throw new Error(`imap down #${attempts}`);
      },
      health: up,
    };
    const supervisor = new PluginSupervisor([plugin('mail', ['channel'], flaky)], {
      logger: recordingLogger(lines),
      initialBackoffMs: 20,
      maxBackoffMs: 40,
    });
    await supervisor.start();
    expect(attempts).toBe(1);
    expect((await supervisor.health())[0]?.health).toEqual({ status: 'down', detail: 'start failed: imap down #1' });
    expect(lines[0]).toMatchObject({ level: 'error', fields: { plugin: 'mail', attempt: 1, retryInMs: 20 } });

    await wait(150);
    expect(attempts).toBe(3);
    expect(lines.filter((l) => l.level === 'error').map((l) => l.fields['retryInMs'])).toEqual([20, 40]);
    expect((await supervisor.health())[0]?.health).toEqual({ status: 'up' });
    await supervisor.stop();
  });

  it('stops retrying once stopped', async () => {
    let attempts = 0;
    const broken: PluginInstance = {
      start: async () => {
        attempts += 1;
        throw new Error('nope');
      },
      health: up,
    };
    const supervisor = new PluginSupervisor([plugin('mail', ['channel'], broken)], {
      logger: recordingLogger([]),
      initialBackoffMs: 10,
    });
    await supervisor.start();
    await supervisor.stop();
    await wait(50);
    expect(attempts).toBe(1);
  });

  it('reports health per plugin: a throw or a timeout is down; disabled instances are listed', async () => {
    const supervisor = new PluginSupervisor(
      [
        plugin('store', ['storage'], { health: up }),
        plugin('crm', ['crm'], { health: () => Promise.reject(new Error('401 from CRM')) }),
        plugin('slow', ['desk'], { health: () => new Promise<Health>(() => {}) }),
      ],
      {
        logger: recordingLogger([]),
        healthTimeoutMs: 30,
        disabled: [{ id: 'old', use: '@test/old', enabled: false, config: {}, resolveFrom: '/' }],
      },
    );
    await supervisor.start();
    expect(await supervisor.health()).toEqual([
      { id: 'store', use: '@test/store', name: '@test/store', displayName: 'store', version: '1.0.0', kinds: ['storage'], enabled: true, health: { status: 'up' } },
      {
        id: 'crm',
        use: '@test/crm',
        name: '@test/crm',
        displayName: 'crm',
        version: '1.0.0',
        kinds: ['crm'],
        enabled: true,
        health: { status: 'down', detail: 'health check failed: 401 from CRM' },
      },
      {
        id: 'slow',
        use: '@test/slow',
        name: '@test/slow',
        displayName: 'slow',
        version: '1.0.0',
        kinds: ['desk'],
        enabled: true,
        health: { status: 'down', detail: 'health check timed out after 30 ms' },
      },
      { id: 'old', use: '@test/old', name: '@test/old', displayName: null, version: null, kinds: [], enabled: false, health: { status: 'down', detail: 'disabled' } },
    ]);
  });

  it('never throws from stop(), and logs the failure', async () => {
    const lines: LogLine[] = [];
    const calls: string[] = [];
    const supervisor = new PluginSupervisor(
      [
        plugin('store', ['storage'], { stop: async () => void calls.push('store'), health: up }),
        plugin('mail', ['channel'], { stop: () => Promise.reject(new Error('socket hang up')), health: up }),
      ],
      { logger: recordingLogger(lines) },
    );
    await supervisor.start();
    await expect(supervisor.stop()).resolves.toBeUndefined();
    expect(calls).toEqual(['store']);
    expect(lines).toContainEqual({ level: 'error', fields: { plugin: 'mail', err: 'socket hang up' }, message: 'plugin failed to stop' });
  });

  describe('connection tests', () => {
    const redacting = (id: string, instance: PluginInstance): LoadedPlugin => ({ ...plugin(id, ['channel'], instance), redact: (text) => text.replaceAll('hunter22', '[redacted]') });

    it('answers the test, a throw, a timeout, a legacy source’s own test, no test, a disabled and an unknown instance', async () => {
      const legacy = { describe: async () => ({ system: 'x', entities: [] }), read: async () => ({ records: [], nextCursor: null }), changesSince: async () => ({ records: [], watermark: '0', more: false }), testConnection: async (): Promise<Health> => ({ status: 'degraded', detail: 'slow' }) };
      const supervisor = new PluginSupervisor(
        [
          redacting('ok', { health: up, testConnection: async () => ({ status: 'up', detail: 'logged in', parts: { inbox: { status: 'up' }, archive: { status: 'down', detail: 'no hunter22' } } }) }),
          redacting('throws', { health: up, testConnection: async () => Promise.reject(new Error('denied for hunter22')) }),
          redacting('hangs', { health: up, testConnection: () => new Promise<Health>(() => {}) }),
          redacting('legacy', { health: up, legacy }),
          redacting('none', { health: up }),
        ],
        { logger: recordingLogger([]), testTimeoutMs: 50, disabled: [{ id: 'off', use: '@test/off', enabled: false, config: {}, resolveFrom: '/' }] },
      );
      expect(await supervisor.testConnection('ok')).toEqual({
        ok: true,
        detail: 'logged in',
        health: { status: 'up', detail: 'logged in', parts: { inbox: { status: 'up' }, archive: { status: 'down', detail: 'no [redacted]' } } },
      });
      expect(await supervisor.testConnection('throws')).toMatchObject({ ok: false, detail: 'connection test failed: denied for [redacted]' });
      expect(await supervisor.testConnection('hangs')).toMatchObject({ ok: false, detail: 'connection test timed out after 50 ms' });
      expect(await supervisor.testConnection('legacy')).toMatchObject({ ok: true, detail: 'slow', health: { status: 'degraded' } });
      expect(await supervisor.testConnection('none')).toEqual({ ok: true, detail: 'no connection test', health: { status: 'up', detail: 'no connection test' } });
      expect(await supervisor.testConnection('off')).toMatchObject({ ok: false, detail: 'disabled' });
      expect(await supervisor.testConnection('nope')).toBeUndefined();
    });
  });
});
