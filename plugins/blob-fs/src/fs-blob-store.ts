import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, constants, link, mkdir, open, readFile, readdir, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
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

/** Where a blob's content starts in its file, and what the file's head says of it. */
interface BlobFile extends BlobMeta {
  path: string;
  offset: number;
}

interface DirSync {
  running: Promise<void> | null;
  queued: Promise<void> | null;
}

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
const STALE_TMP_MS = 60 * 60 * 1000;
// A blob file: this magic, the content type's length (2 bytes, big-endian) and UTF-8 bytes, then the content.
const MAGIC = Buffer.from('SBBLOB1\n', 'latin1');
const HEAD_READ = 512;
const MAX_CONTENT_TYPE_CHARS = 255;

const isNotFound = (error: unknown): boolean => error instanceof Error && 'code' in error && error.code === 'ENOENT';
const isExisting = (error: unknown): boolean => error instanceof Error && 'code' in error && error.code === 'EEXIST';

const headOf = (contentType: string): Buffer => {
  const type = Buffer.from(contentType.slice(0, MAX_CONTENT_TYPE_CHARS), 'utf8');
  const length = Buffer.alloc(2);
  length.writeUInt16BE(type.byteLength);
  return Buffer.concat([MAGIC, length, type]);
};

/**
 * Blobs as files: `<dir>/sha256/ab/cd/<hex>.blob`, the content type in the file's head (blobs of
 * earlier versions, `<hex>` with a `<hex>.json` beside it, are read as they are). A put writes to
 * `<dir>/tmp`, hashing as it goes, fdatasyncs, then links the file into place, so a blob is either
 * whole or absent and the first put of some bytes sets their content type; then the shard folder is
 * synced (once for the puts into one folder that wait together).
 */
export class FsBlobStore implements BlobStore {
  readonly maxBytes: number;
  private readonly dir: string;
  /** Shard folders known to exist: no mkdir for them. */
  private readonly shards = new Set<string>();
  /** Folder syncs in flight, and the one queued behind each. */
  private readonly dirSyncs = new Map<string, DirSync>();

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
    const tmp = join(this.tmpDir(), randomUUID());
    const hash = createHash('sha256');
    let size = 0;
    let file: FileHandle | undefined = await this.createTmp(tmp);
    try {
      await file.write(headOf(options.contentType));
      for await (const chunk of content) {
        size += chunk.byteLength;
        if (size > limit) throw new BlobTooLargeError(limit);
        hash.update(chunk);
        await file.write(chunk);
      }
      await file.datasync();
      await file.close();
      file = undefined;
      const hex = hash.digest('hex');
      return await this.place(tmp, hex, { contentType: options.contentType, size });
    } catch (error) {
      await file?.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      throw error;
    }
  }

  /** Bytes in hand (most puts: attachments, a mail's original): hashed before anything is written, so bytes stored already cost one read. */
  private async putBytes(bytes: Uint8Array, contentType: string): Promise<StoredBlob> {
    const hex = createHash('sha256').update(bytes).digest('hex');
    const existing = await this.find(hex);
    if (existing !== null) return { ref: `sha256:${hex}`, size: existing.size, contentType: existing.contentType };
    const tmp = join(this.tmpDir(), randomUUID());
    try {
      const file = await this.createTmp(tmp);
      try {
        await file.writev([headOf(contentType), bytes]);
        await file.datasync();
      } finally {
        await file.close();
      }
    } catch (error) {
      await unlink(tmp).catch(() => undefined);
      throw error;
    }
    return this.place(tmp, hex, { contentType, size: bytes.byteLength });
  }

  /**
   * Puts a written temporary file in place under its hash. link() fails on an existing name, so
   * the first put of some bytes wins (its content type is kept); the new name is durable once the
   * shard folder is synced.
   */
  private async place(tmp: string, hex: string, meta: BlobMeta): Promise<StoredBlob> {
    const ref = `sha256:${hex}`;
    try {
      const legacy = await this.findLegacy(hex);
      if (legacy !== null) return { ref, size: legacy.size, contentType: legacy.contentType };
      await this.makeShardDir(hex);
      try {
        await link(tmp, this.contentPath(hex)).catch(async (error: unknown) => {
          // A shard folder removed since it was made: made again.
          if (!isNotFound(error)) throw error;
          this.shards.delete(this.shardDir(hex));
          await this.makeShardDir(hex);
          await link(tmp, this.contentPath(hex));
        });
      } catch (error) {
        if (!isExisting(error)) throw error;
        const kept = await this.find(hex);
        return { ref, size: meta.size, contentType: kept?.contentType ?? meta.contentType };
      }
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
    await this.syncDir(this.shardDir(hex));
    return { ref, size: meta.size, contentType: meta.contentType };
  }

  /** The shard folder: one mkdir when its parent exists (or it does), the recursive one otherwise; none once seen. */
  private async makeShardDir(hex: string): Promise<void> {
    const dir = this.shardDir(hex);
    if (this.shards.has(dir)) return;
    try {
      await mkdir(dir, { mode: 0o700 });
    } catch (error) {
      if (!isExisting(error)) {
        if (!isNotFound(error)) throw error;
        await mkdir(dir, { recursive: true, mode: 0o700 });
      }
    }
    this.shards.add(dir);
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

  async get(ref: string): Promise<BlobReader | null> {
    const hex = this.hexOf(ref);
    const found = (await this.find(hex)) ?? (await this.findLegacy(hex));
    if (found === null) return null;
    const { path, offset } = found;
    return {
      ref,
      size: found.size,
      contentType: found.contentType,
      stream: () => createReadStream(path, { start: offset }),
      bytes: async () => {
        const all = await readFile(path);
        return new Uint8Array(all.buffer, all.byteOffset + offset, all.byteLength - offset);
      },
    };
  }

  async has(ref: string): Promise<boolean> {
    const hex = this.hexOf(ref);
    return (await this.exists(this.contentPath(hex))) || (await this.exists(this.legacyPath(hex)));
  }

  async delete(ref: string): Promise<boolean> {
    const hex = this.hexOf(ref);
    const removed = await Promise.all([this.contentPath(hex), this.legacyPath(hex)].map((path) => unlink(path).then(() => true, (error: unknown) => (isNotFound(error) ? false : Promise.reject(error)))));
    await unlink(this.legacyMetaPath(hex)).catch(() => undefined);
    return removed.some(Boolean);
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
    return join(this.shardDir(hex), `${hex}.blob`);
  }

  private legacyPath(hex: string): string {
    return join(this.shardDir(hex), hex);
  }

  private legacyMetaPath(hex: string): string {
    return `${this.legacyPath(hex)}.json`;
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

  /** A blob file and what its head says; null when there is none (or its head is unreadable: written by no put). */
  private async find(hex: string): Promise<BlobFile | null> {
    const path = this.contentPath(hex);
    let file: FileHandle;
    try {
      file = await open(path, 'r');
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
    try {
      const head = Buffer.alloc(HEAD_READ);
      const { bytesRead } = await file.read(head, 0, HEAD_READ, 0);
      if (bytesRead < MAGIC.length + 2 || !head.subarray(0, MAGIC.length).equals(MAGIC)) return null;
      const typeLength = head.readUInt16BE(MAGIC.length);
      const offset = MAGIC.length + 2 + typeLength;
      if (offset > bytesRead) return null;
      const { size } = await file.stat();
      return { path, offset, size: size - offset, contentType: head.subarray(MAGIC.length + 2, offset).toString('utf8') };
    } finally {
      await file.close();
    }
  }

  /** A blob of an earlier version: the content alone, the content type in a JSON file beside it. */
  private async findLegacy(hex: string): Promise<BlobFile | null> {
    const path = this.legacyPath(hex);
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
    let contentType = DEFAULT_CONTENT_TYPE;
    try {
      const parsed: unknown = JSON.parse(await readFile(this.legacyMetaPath(hex), 'utf8'));
      if (typeof parsed === 'object' && parsed !== null && 'contentType' in parsed && typeof parsed.contentType === 'string') contentType = parsed.contentType;
    } catch (error) {
      if (!isNotFound(error) && !(error instanceof SyntaxError)) throw error;
    }
    return { path, offset: 0, size, contentType };
  }

  /**
   * The new name is durable only once the folder holding it is synced. Puts into one folder share
   * a sync that has not started yet; one that started before this put's link does not count, so
   * the next is queued behind it. Other folders sync side by side, each at once.
   */
  private syncDir(dir: string): Promise<void> {
    const state = this.dirSyncs.get(dir) ?? { running: null, queued: null };
    this.dirSyncs.set(dir, state);
    if (state.queued) return state.queued;
    if (state.running) {
      state.queued = state.running
        .catch(() => undefined)
        .then(() => {
          state.queued = null;
          return this.startSync(dir, state);
        });
      return state.queued;
    }
    return this.startSync(dir, state);
  }

  private startSync(dir: string, state: DirSync): Promise<void> {
    const running = (async () => {
      const handle = await open(dir, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    })().finally(() => {
      if (state.running === running) state.running = null;
      if (state.running === null && state.queued === null) this.dirSyncs.delete(dir);
    });
    state.running = running;
    return running;
  }
}
