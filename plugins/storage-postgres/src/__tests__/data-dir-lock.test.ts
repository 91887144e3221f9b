import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataDirInUseError } from '../data-dir-lock.js';
import { createEmbeddedStore } from '../typeorm-store.js';

describe('the embedded data folder lock', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'sb-lock-'));
  });
  afterAll(() => rm(folder, { recursive: true, force: true }));

  it('refuses a second store on the same folder while the first is open, and frees it on close', async () => {
    const dataDir = join(folder, 'db');
    const first = createEmbeddedStore({ dataDir });
    await first.migrate();
    expect(existsSync(`${dataDir}.lock`)).toBe(true);
    const second = createEmbeddedStore({ dataDir });
    await expect(second.migrate()).rejects.toThrow(/in use by this process.*DATABASE_URL/s);
    expect((await second.health()).status).toBe('down');
    await first.close();
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
    await second.migrate();
    expect((await second.health()).status).toBe('up');
    await second.close();
  }, 120_000);

  it("names another live process that holds it, and takes over a dead process's lock", async () => {
    const dataDir = join(folder, 'other');
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      await writeFile(`${dataDir}.lock`, `${String(sleeper.pid)}\n`);
      const store = createEmbeddedStore({ dataDir });
      const error: unknown = await store.migrate().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).cause).toBeInstanceOf(DataDirInUseError);
      expect(String(error)).toContain(`process ${String(sleeper.pid)}`);
      await store.close();
    } finally {
      sleeper.kill();
      await new Promise((resolve) => sleeper.once('exit', resolve));
    }
    const store = createEmbeddedStore({ dataDir });
    await store.migrate();
    expect((await store.health()).status).toBe('up');
    await store.close();
  }, 120_000);
});
