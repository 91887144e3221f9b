import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, constants, link, mkdir, open, readFile, readdir, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BlobRefError,
  BlobTooLargeError,
  isBlobRef,
  type BlobContent,
  type BlobPutOptions,
  type BlobReader,
  type BlobStore,
  type Health,
  type StoredBlob,
} from '@switchboard/core';

export interface FsBlobStoreOptions {
  dir: string;
  maxBytes: number;
}

interface BlobMeta {
  contentType: string;
  size: number;
}

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
const STALE_TMP_MS = 60 * 60 * 1000;

const isNotFound = (error: unknown): boolean => error instanceof Error && 'code' in error && error.code === 'ENOENT';
const isExisting = (error: unknown): boolean => error instanceof Error && 'code' in error && error.code === 'EEXIST';

async function* single(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

/**
 * Blobs as files: `<dir>/sha256/ab/cd/<hex>` with a `<hex>.json` beside it for the content type.
 * A put streams to `<dir>/tmp`, hashing as it goes, fsyncs, then renames into place, so a blob is
 * either whole or absent; the first put of some bytes sets their content type.
 */
export class FsBlobStore implements BlobStore {
  readonly maxBytes: number;
  private readonly dir: string;

  constructor(options: FsBlobStoreOptions) {
    this.dir = options.dir;
    this.maxBytes = options.maxBytes;
  }

  /**
   * Creates the folders and removes temporary files a crash left behind. Only old ones: another
   * hub process sharing the folder may be writing the young ones.
   */
  async open(): Promise<void> {
    await mkdir(join(this.dir, 'sha256'), { recursive: true, mode: 0o700 });
    await mkdir(this.tmpDir(), { recursive: true, mode: 0o700 });
    const cutoff = Date.now() - STALE_TMP_MS;
    for (const name of await readdir(this.tmpDir())) {
      const path = join(this.tmpDir(), name);
      const modified = await stat(path).then((s) => s.mtimeMs, () => Number.POSITIVE_INFINITY);
      if (modified < cutoff) await rm(path, { force: true });
    }
  }

  async put(content: BlobContent, options: BlobPutOptions): Promise<StoredBlob> {
    const limit = Math.min(this.maxBytes, options.maxBytes ?? Number.POSITIVE_INFINITY);
    if (content instanceof Uint8Array && content.byteLength > limit) throw new BlobTooLargeError(limit);
    if (content instanceof Uint8Array) return this.putBytes(content, options.contentType);
    await mkdir(this.tmpDir(), { recursive: true, mode: 0o700 });
    const tmp = join(this.tmpDir(), randomUUID());
    const hash = createHash('sha256');
    let size = 0;
    let file: FileHandle | undefined = await open(tmp, 'wx', 0o600);
    try {
      for await (const chunk of content instanceof Uint8Array ? single(content) : content) {
        size += chunk.byteLength;
        if (size > limit) throw new BlobTooLargeError(limit);
        hash.update(chunk);
        await file.write(chunk);
      }
      await file.sync();
      await file.close();
      file = undefined;
      const hex = hash.digest('hex');
      const stored: StoredBlob = { ref: `sha256:${hex}`, size, contentType: options.contentType };
      const existing = await this.meta(hex);
      if (existing !== null && (await this.exists(this.contentPath(hex)))) {
        await unlink(tmp);
        return { ref: stored.ref, size: existing.size, contentType: existing.contentType };
      }
      await this.makeShardDir(hex);
      const contentType = await this.writeMetaOnce(hex, { contentType: options.contentType, size });
      await rename(tmp, this.contentPath(hex));
      await this.syncDir(this.shardDir(hex));
      return { ...stored, contentType };
    } catch (error) {
      await file?.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Bytes in hand (most puts: a mail's original, its attachments): hashed before anything is
   * written, so bytes stored already cost one read; new bytes and their sidecar are written and
   * fsynced side by side, then renamed into place and the folder synced, as for a stream. No
   * folder is made unless missing: a recursive mkdir runs partly on the calling thread.
   */
  private async putBytes(bytes: Uint8Array, contentType: string): Promise<StoredBlob> {
    const hex = createHash('sha256').update(bytes).digest('hex');
    const ref = `sha256:${hex}`;
    const existing = await this.meta(hex);
    if (existing !== null && (await this.exists(this.contentPath(hex)))) return { ref, size: existing.size, contentType: existing.contentType };
    const tmp = join(this.tmpDir(), randomUUID());
    try {
      const [, kept] = await Promise.all([
        this.writeSynced(tmp, bytes),
        this.makeShardDir(hex).then(() => this.writeMetaOnce(hex, { contentType, size: bytes.byteLength })),
      ]);
      await rename(tmp, this.contentPath(hex));
      await this.syncDir(this.shardDir(hex));
      return { ref, size: bytes.byteLength, contentType: kept };
    } catch (error) {
      await unlink(tmp).catch(() => undefined);
      throw error;
    }
  }

  /** The shard folder: one mkdir when its parent exists (or it does), the recursive one otherwise. */
  private async makeShardDir(hex: string): Promise<void> {
    try {
      await mkdir(this.shardDir(hex), { mode: 0o700 });
    } catch (error) {
      if (isExisting(error)) return;
      if (!isNotFound(error)) throw error;
      await mkdir(this.shardDir(hex), { recursive: true, mode: 0o700 });
    }
  }

  /** A new temporary file, its folder made again if something removed it. */
  private async createTmp(path: string): Promise<FileHandle> {
    try {
      return await open(path, 'wx', 0o600);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await mkdir(this.tmpDir(), { recursive: true, mode: 0o700 });
      return open(path, 'wx', 0o600);
    }
  }

  private async writeSynced(path: string, bytes: Uint8Array): Promise<void> {
    const file = await this.createTmp(path);
    try {
      await file.write(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
  }

  async get(ref: string): Promise<BlobReader | null> {
    const hex = this.hexOf(ref);
    const path = this.contentPath(hex);
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
    const meta = await this.meta(hex);
    return {
      ref,
      size,
      contentType: meta?.contentType ?? DEFAULT_CONTENT_TYPE,
      stream: () => createReadStream(path),
      bytes: async () => new Uint8Array(await readFile(path)),
    };
  }

  async has(ref: string): Promise<boolean> {
    return this.exists(this.contentPath(this.hexOf(ref)));
  }

  async delete(ref: string): Promise<boolean> {
    const hex = this.hexOf(ref);
    try {
      await unlink(this.contentPath(hex));
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
    await unlink(this.metaPath(hex)).catch(() => undefined);
    return true;
  }

  async health(): Promise<Health> {
    try {
      await access(this.tmpDir(), constants.W_OK);
      return { status: 'up', detail: `${this.dir}, up to ${this.maxBytes} bytes per blob` };
    } catch (error) {
      return { status: 'down', detail: `${this.dir} is not writable (${error instanceof Error && 'code' in error ? String(error.code) : 'error'})` };
    }
  }

  /** Temporary files in progress (none when idle): for tests and diagnostics. */
  async pending(): Promise<string[]> {
    return readdir(this.tmpDir()).catch(() => []);
  }

  private hexOf(ref: string): string {
    if (!isBlobRef(ref)) throw new BlobRefError(ref);
    return ref.slice('sha256:'.length);
  }

  private tmpDir(): string {
    return join(this.dir, 'tmp');
  }

  // Two levels of 256 folders each keep any one folder small.
  private shardDir(hex: string): string {
    return join(this.dir, 'sha256', hex.slice(0, 2), hex.slice(2, 4));
  }

  private contentPath(hex: string): string {
    return join(this.shardDir(hex), hex);
  }

  private metaPath(hex: string): string {
    return `${this.contentPath(hex)}.json`;
  }

  private async exists(path: string): Promise<boolean> {
    try {
      await access(path);
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  private async meta(hex: string): Promise<BlobMeta | null> {
    try {
      const parsed: unknown = JSON.parse(await readFile(this.metaPath(hex), 'utf8'));
      if (typeof parsed === 'object' && parsed !== null && 'contentType' in parsed && typeof parsed.contentType === 'string' && 'size' in parsed && typeof parsed.size === 'number') {
        return { contentType: parsed.contentType, size: parsed.size };
      }
      return null;
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  /** Writes the sidecar unless one is there: link() fails on an existing name, so the first put wins. Answers the content type kept. */
  private async writeMetaOnce(hex: string, meta: BlobMeta): Promise<string> {
    const tmp = join(this.tmpDir(), `${randomUUID()}.json`);
    const file = await this.createTmp(tmp);
    try {
      await file.writeFile(JSON.stringify(meta));
      await file.sync();
    } finally {
      await file.close();
    }
    try {
      await link(tmp, this.metaPath(hex));
      return meta.contentType;
    } catch (error) {
      if (!isExisting(error)) throw error;
      return (await this.meta(hex))?.contentType ?? meta.contentType;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }

  // The rename is durable only once the folder holding the new name is synced.
  private async syncDir(dir: string): Promise<void> {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}
