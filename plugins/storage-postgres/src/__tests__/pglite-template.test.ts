import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aCustomer } from '@switchboard/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTemplate, clusterTemplateDir, schemaTemplateDir, seedDataDir } from '../pglite-template.js';
import { migrations } from '../migrations/index.js';
import { createEmbeddedStore, prepareEmbeddedTemplates } from '../typeorm-store.js';

const fakeCluster = async (dir: string, marker: string) => {
  await mkdir(join(dir, 'base'), { recursive: true });
  await writeFile(join(dir, 'PG_VERSION'), '18\n');
  await writeFile(join(dir, 'base', 'marker'), marker);
};

describe('embedded database templates', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'sb-template-'));
  });
  afterAll(() => rm(folder, { recursive: true, force: true }));

  it('seeds a missing or empty data folder with a copy, and leaves one holding anything alone', async () => {
    const template = join(folder, 'seed-template');
    await fakeCluster(template, 'from the template');

    const missing = join(folder, 'seed-missing', 'db');
    expect(await seedDataDir(missing, async () => template)).toBe(true);
    expect(await readFile(join(missing, 'base', 'marker'), 'utf8')).toBe('from the template');

    const empty = join(folder, 'seed-empty');
    await mkdir(empty);
    expect(await seedDataDir(empty, async () => template)).toBe(true);
    expect(existsSync(join(empty, 'PG_VERSION'))).toBe(true);

    const used = join(folder, 'seed-used');
    await mkdir(used);
    await writeFile(join(used, 'PG_VERSION'), '18\n');
    let chosen = false;
    const choose = async () => {
      chosen = true;
      return template;
    };
    expect(await seedDataDir(used, choose)).toBe(false);
    expect(chosen).toBe(false);
    expect(await readdir(used)).toEqual(['PG_VERSION']);
    expect((await readdir(folder)).filter((name) => name.includes('.seeding-'))).toEqual([]);
  });

  it('makes a template once when two makers race, and leaves no half-made folder', async () => {
    const dir = join(folder, 'race', 'cluster');
    const made = await Promise.all(['first', 'second'].map((marker) => buildTemplate(dir, (building) => fakeCluster(building, marker))));
    expect(made).toEqual([dir, dir]);
    expect(['first', 'second']).toContain(await readFile(join(dir, 'base', 'marker'), 'utf8'));
    expect(await readdir(join(folder, 'race'))).toEqual(['cluster']);
    // Made already: fill is not called again.
    await expect(buildTemplate(dir, () => Promise.reject(new Error('filled twice')))).resolves.toBe(dir);
  });

  it('starts a new data folder from the migrated template, and the data persists across restarts', { timeout: 180_000 }, async () => {
    const cache = join(folder, 'cache');
    const schema = await prepareEmbeddedTemplates(cache);
    const names = migrations.map((Migration) => new Migration().name ?? Migration.name);
    expect(schema).toBe(schemaTemplateDir(cache, names));
    expect(existsSync(join(clusterTemplateDir(cache), 'PG_VERSION'))).toBe(true);

    const dataDir = join(folder, 'hub', 'db');
    const customer = aCustomer();
    const first = createEmbeddedStore({ dataDir, templateCache: cache });
    try {
      // Copied with the schema applied: the migration history is there before migrate() runs.
      expect(await first.sql<{ name: string }>('SELECT name FROM schema_migrations')).toEqual(names.map((name) => ({ name })));
      expect(await first.sql<{ datname: string }>('SELECT datname FROM pg_database')).toEqual([{ datname: 'postgres' }]);
      await first.migrate();
      await first.transaction((s) => s.customers.insert(customer));
    } finally {
      await first.close();
    }

    const again = createEmbeddedStore({ dataDir, templateCache: cache });
    try {
      await again.migrate();
      expect(await again.read((s) => s.customers.get(customer.id))).toEqual(customer);
    } finally {
      await again.close();
    }
  });
});
