import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, systemClock, type BlobStore } from '@switchboard/core';
import { BLOB_CONTRACT_MAX_BYTES, blobStoreChecks, failingChecks, runBlobStoreContract, type BlobStoreUnderTest } from '@switchboard/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import plugin, { FsBlobStore } from '../index.js';

const dirs: string[] = [];
const freshDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sb-blob-'));
  dirs.push(dir);
  return dir;
};
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const makeStore = async (): Promise<BlobStoreUnderTest & { store: FsBlobStore; dir: string }> => {
  const dir = await freshDir();
  const store = new FsBlobStore({ dir, maxBytes: BLOB_CONTRACT_MAX_BYTES });
  await store.open();
  return { blobs: store, store, dir, dispose: () => rm(dir, { recursive: true, force: true }) };
};

runBlobStoreContract('blob-fs', makeStore);

const hexOf = (text: string) => createHash('sha256').update(text).digest('hex');

describe('FsBlobStore', () => {
  it('shards files by hash prefix, one file per blob with its content type in the head, private to the hub, and leaves no temporary file', async () => {
    const { store, dir } = await makeStore();
    const { ref } = await store.put(new TextEncoder().encode('sharded'), { contentType: 'text/plain' });
    const hex = hexOf('sharded');
    expect(ref).toBe(`sha256:${hex}`);
    const shard = join(dir, 'sha256', hex.slice(0, 2), hex.slice(2, 4));
    expect(await readdir(shard)).toEqual([`${hex}.blob`]);
    const file = await stat(join(shard, `${hex}.blob`));
    expect(file.mode & 0o777).toBe(0o600);
    expect((await readFile(join(shard, `${hex}.blob`))).toString('latin1')).toBe('SBBLOB1\n\u0000\u000atext/plainsharded');
    expect(await store.pending()).toEqual([]);
  });

  it('reads, keeps and deletes blobs an earlier version stored (content alone, content type beside it)', async () => {
    const { store, dir } = await makeStore();
    const hex = hexOf('from before');
    const shard = join(dir, 'sha256', hex.slice(0, 2), hex.slice(2, 4));
    await mkdir(shard, { recursive: true });
    await writeFile(join(shard, hex), 'from before');
    await writeFile(join(shard, `${hex}.json`), JSON.stringify({ contentType: 'application/pdf', size: 11 }));
    const read = await store.get(`sha256:${hex}`);
    expect(read).toMatchObject({ size: 11, contentType: 'application/pdf' });
    expect(Buffer.from(await read!.bytes()).toString()).toBe('from before');
    expect(await store.has(`sha256:${hex}`)).toBe(true);
    // The same bytes again: the stored blob answers, with its content type, and nothing new is written.
    expect(await store.put(new TextEncoder().encode('from before'), { contentType: 'text/plain' })).toEqual({ ref: `sha256:${hex}`, size: 11, contentType: 'application/pdf' });
    expect((await readdir(shard)).sort()).toEqual([hex, `${hex}.json`]);
    expect(await store.delete(`sha256:${hex}`)).toBe(true);
    expect(await readdir(shard)).toEqual([]);
    expect(await store.has(`sha256:${hex}`)).toBe(false);
  });

  it('stores many blobs of one shard folder at once, each whole (they share its syncs)', async () => {
    const { store, dir } = await makeStore();
    // Contents whose hashes share the first four digits: one shard folder.
    const prefix = hexOf('shard 0').slice(0, 4);
    const same: string[] = ['shard 0'];
    for (let i = 1; same.length < 6; i++) if (hexOf(`shard ${i}`).startsWith(prefix)) same.push(`shard ${i}`);
    const stored = await Promise.all(same.map((text) => store.put(new TextEncoder().encode(text), { contentType: 'text/plain' })));
    expect((await readdir(join(dir, 'sha256', prefix.slice(0, 2), prefix.slice(2)))).length).toBe(6);
    for (const [i, { ref }] of stored.entries()) expect(Buffer.from(await (await store.get(ref))!.bytes()).toString()).toBe(same[i]);
    expect(await store.pending()).toEqual([]);
  });

  it('streams a blob from after its head, and answers its size without it', async () => {
    const { store } = await makeStore();
    const content = Buffer.from('x'.repeat(100_000));
    const { ref } = await store.put(content, { contentType: 'text/plain; charset=utf-8' });
    const read = await store.get(ref);
    expect(read).toMatchObject({ size: 100_000, contentType: 'text/plain; charset=utf-8' });
    const parts: Buffer[] = [];
    for await (const part of read!.stream()) parts.push(Buffer.from(part));
    expect(Buffer.concat(parts).equals(content)).toBe(true);
  });

  it('stores bytes it holds already without writing them again, and finds its folders when something removed the temporary one', async () => {
    const { store, dir } = await makeStore();
    const bytes = new TextEncoder().encode('kept once');
    const first = await store.put(bytes, { contentType: 'text/plain' });
    const path = join(dir, 'sha256', first.ref.slice(7, 9), first.ref.slice(9, 11), `${first.ref.slice(7)}.blob`);
    const before = await stat(path);
    expect(await store.put(bytes, { contentType: 'application/pdf' })).toEqual(first);
    const after = await stat(path);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    await rm(join(dir, 'tmp'), { recursive: true });
    // New blobs after that: their temporary files and shard folders are made as needed.
    const others = ['again', 'and again'].map((text) => new TextEncoder().encode(text));
    const stored = await Promise.all(others.map((other) => store.put(other, { contentType: 'text/plain' })));
    for (const [i, { ref }] of stored.entries()) expect(Buffer.from(await (await store.get(ref))!.bytes()).toString()).toBe(['again', 'and again'][i]);
    expect(await store.pending()).toEqual([]);
  });

  it('leaves no temporary file behind a refused or failed put', async () => {
    const { store } = await makeStore();
    await expect(store.put(new Uint8Array(BLOB_CONTRACT_MAX_BYTES + 1), { contentType: 'x/y' })).rejects.toThrow('larger than the limit');
    async function* big() {
      yield new Uint8Array(BLOB_CONTRACT_MAX_BYTES);
      yield new Uint8Array(1);
    }
    await expect(store.put(big(), { contentType: 'x/y' })).rejects.toMatchObject({ code: 'BLOB.TOO_LARGE' });
    expect(await store.pending()).toEqual([]);
  });

  it('clears stale temporary files at start, but not young ones', async () => {
    const { store, dir } = await makeStore();
    await writeFile(join(dir, 'tmp', 'stale'), 'half a blob');
    await utimes(join(dir, 'tmp', 'stale'), new Date(Date.now() - 2 * 3600_000), new Date(Date.now() - 2 * 3600_000));
    await writeFile(join(dir, 'tmp', 'young'), 'in progress elsewhere');
    await store.open();
    expect(await readdir(join(dir, 'tmp'))).toEqual(['young']);
  });

  it('fails the contract when it ignores its size limit (the suite can fail)', async () => {
    const unlimited = async (): Promise<BlobStoreUnderTest> => {
      const dir = await freshDir();
      const inner = new FsBlobStore({ dir, maxBytes: Number.MAX_SAFE_INTEGER });
      await inner.open();
      const blobs: BlobStore = {
        maxBytes: BLOB_CONTRACT_MAX_BYTES,
        put: (content, options) => inner.put(content, { contentType: options.contentType }),
        get: (ref) => inner.get(ref),
        has: (ref) => inner.has(ref),
        delete: (ref) => inner.delete(ref),
      };
      return { blobs, dispose: () => rm(dir, { recursive: true, force: true }) };
    };
    expect(await failingChecks(blobStoreChecks, unlimited)).toEqual([
      'refuses content past its own limit with BlobTooLargeError and keeps nothing',
      'applies a lower per-put limit',
    ]);
  });
});

describe('the blob-fs plugin', () => {
  it('keeps blobs in the instance data folder by default, and reports health', async () => {
    const dataDir = await freshDir();
    const parsed = plugin.configSchema.parse({});
    expect(parsed.maxBytes).toBe(25 * 1024 * 1024);
    const instance = await plugin.create({ instanceId: 'blobs', logger: silentLogger, clock: systemClock, dataDir, role: 'all' }, parsed);
    await instance.start?.();
    const stored = await instance.blob?.put(new TextEncoder().encode('default dir'), { contentType: 'text/plain' });
    expect(stored?.size).toBe(11);
    expect(await readdir(join(dataDir, 'sha256'))).toEqual([hexOf('default dir').slice(0, 2)]);
    expect(await instance.health()).toMatchObject({ status: 'up' });
    expect(await instance.testConnection?.()).toMatchObject({ status: 'up' });
  });

  it('refuses an unknown config field', () => {
    expect(plugin.configSchema.safeParse({ directory: '/x' }).success).toBe(false);
  });
});
