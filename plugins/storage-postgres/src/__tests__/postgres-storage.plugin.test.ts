import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { secretPathsOf, silentLogger, systemClock, type PluginContext } from '@switchboard/core';
import { aCustomer } from '@switchboard/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin, { createPostgresStore } from '../index.js';

const contextIn = (dataDir: string): PluginContext<'storage'> => ({
  instanceId: 'store',
  logger: silentLogger,
  clock: systemClock,
  dataDir,
  role: 'all',
});

describe('the storage-postgres plugin', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'sb-plugin-'));
  });
  afterAll(() => rm(folder, { recursive: true, force: true }));

  it('describes itself as a storage plugin with the URL as its secret', () => {
    expect(plugin).toMatchObject({ id: '@switchboard/storage-postgres', version: '0.1.0', apiVersion: 1, kinds: ['storage'] });
    expect(secretPathsOf(plugin.configSchema)).toEqual([['url']]);
  });

  it('takes exactly one of url or dataDir, and a pool size of 1 to 100', () => {
    expect(plugin.configSchema.parse({ dataDir: 'memory://' })).toEqual({ dataDir: 'memory://', poolSize: 10 });
    expect(plugin.configSchema.parse({ url: 'postgres://db/hub', poolSize: 20 })).toEqual({ url: 'postgres://db/hub', poolSize: 20 });

    const neither = plugin.configSchema.safeParse({});
    expect(neither.success).toBe(false);
    expect(neither.error?.issues[0]).toMatchObject({ path: ['url'], message: expect.stringMatching(/exactly one of url/) });
    expect(plugin.configSchema.safeParse({ url: 'postgres://db/hub', dataDir: 'db' }).success).toBe(false);
    expect(plugin.configSchema.safeParse({ dataDir: 'db', poolSize: 0 }).success).toBe(false);
    expect(plugin.configSchema.safeParse({ dataDir: 'db', poolSize: 101 }).success).toBe(false);
  });

  it('starts (migrating), serves, reports health and stops, with dataDir relative to the instance folder', async () => {
    const instance = await plugin.create(contextIn(folder), plugin.configSchema.parse({ dataDir: 'db' }));
    const store = instance.store;
    if (store === undefined) throw new Error('the plugin made no store');
    await instance.start?.();
    try {
      expect((await stat(join(folder, 'db'))).isDirectory()).toBe(true);
      const customer = aCustomer();
      await store.transaction((s) => s.customers.insert(customer));
      expect(await store.read((s) => s.customers.get(customer.id))).toEqual(customer);
      expect(await instance.health()).toEqual({ status: 'up' });
    } finally {
      await instance.stop?.();
    }
    await expect(store.read((s) => s.customers.get(aCustomer().id))).rejects.toThrow(/closed/);
  });

  it('reports an unreachable server as down without revealing the URL or its password', async () => {
    const url = 'postgres://hub:s3cr%40t-pw@127.0.0.1:1/switchboard';
    const store = createPostgresStore({ url });
    try {
      const health = await store.health();
      expect(health.status).toBe('down');
      expect(health.detail).toBeTruthy();
      for (const secret of [url, 's3cr%40t-pw', 's3cr@t-pw']) expect(health.detail).not.toContain(secret);
      await expect(store.read(() => Promise.resolve())).rejects.toThrow(/cannot open the postgres store/);
    } finally {
      await store.close();
    }
  });
});
