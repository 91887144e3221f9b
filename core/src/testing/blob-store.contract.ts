import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { BlobRefError, BlobTooLargeError, type BlobStore } from '../plugin-api/blob-store.port.js';
import { describeContract, type ContractCheck, type Disposable } from './contract-check.js';

/** A blob store made for one check, with its size limit set to `BLOB_CONTRACT_MAX_BYTES`. */
export interface BlobStoreUnderTest extends Disposable {
  blobs: BlobStore;
}

/** The store-level limit `makeStore` must configure. */
export const BLOB_CONTRACT_MAX_BYTES = 256 * 1024;

const refOf = (bytes: Uint8Array): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const text = (value: string): Uint8Array => new TextEncoder().encode(value);

async function* chunks(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) {
    await Promise.resolve();
    yield bytes.subarray(at, at + size);
  }
}

async function* failingAfter(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
  await Promise.resolve();
  throw new Error('the source broke off');
}

const readAll = async (stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> => {
  const parts: Uint8Array[] = [];
  for await (const part of stream) parts.push(part);
  return Buffer.concat(parts);
};

const mustGet = async (blobs: BlobStore, ref: string) => {
  const read = await blobs.get(ref);
  if (read === null) throw new Error(`expected a blob under ${ref}`);
  return read;
};

const bytesEqual = (a: Uint8Array, b: Uint8Array) => expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);

export const blobStoreChecks: readonly ContractCheck<BlobStoreUnderTest>[] = [
  {
    name: 'stores bytes under the sha256 of their content and gives them back',
    async run({ blobs }) {
      const content = text('hello, blob');
      const stored = await blobs.put(content, { contentType: 'text/plain' });
      expect(stored).toEqual({ ref: refOf(content), size: content.length, contentType: 'text/plain' });
      expect(await blobs.has(stored.ref)).toBe(true);
      const read = await mustGet(blobs, stored.ref);
      expect(read).toMatchObject({ ref: stored.ref, size: content.length, contentType: 'text/plain' });
      bytesEqual(await read.bytes(), content);
    },
  },
  {
    name: 'stores a stream, byte-exact, and reads it twice',
    async run({ blobs }) {
      const content = randomBytes(200 * 1024);
      const stored = await blobs.put(chunks(content, 7 * 1024), { contentType: 'application/octet-stream' });
      expect(stored.ref).toBe(refOf(content));
      expect(stored.size).toBe(content.length);
      const read = await mustGet(blobs, stored.ref);
      bytesEqual(await readAll(read.stream()), content);
      bytesEqual(await readAll(read.stream()), content);
    },
  },
  {
    name: 'is idempotent: the same bytes again, even concurrently, answer the same ref and keep the first content type',
    async run({ blobs }) {
      const content = text('same bytes');
      const first = await blobs.put(content, { contentType: 'text/plain' });
      const again = await Promise.all([
        blobs.put(content, { contentType: 'application/octet-stream' }),
        blobs.put(chunks(content, 3), { contentType: 'application/octet-stream' }),
      ]);
      expect(again.map((s) => s.ref)).toEqual([first.ref, first.ref]);
      const read = await mustGet(blobs, first.ref);
      expect(read.contentType).toBe('text/plain');
      bytesEqual(await read.bytes(), content);
    },
  },
  {
    name: 'stores empty content',
    async run({ blobs }) {
      const stored = await blobs.put(new Uint8Array(0), { contentType: 'text/plain' });
      expect(stored).toMatchObject({ ref: refOf(new Uint8Array(0)), size: 0 });
      expect((await (await mustGet(blobs, stored.ref)).bytes()).length).toBe(0);
    },
  },
  {
    name: 'refuses content past its own limit with BlobTooLargeError and keeps nothing',
    async run({ blobs }) {
      expect(blobs.maxBytes).toBe(BLOB_CONTRACT_MAX_BYTES);
      const exact = randomBytes(BLOB_CONTRACT_MAX_BYTES);
      await expect(blobs.put(chunks(exact, 64 * 1024), { contentType: 'application/octet-stream' })).resolves.toMatchObject({ size: exact.length });
      const over = randomBytes(BLOB_CONTRACT_MAX_BYTES + 1);
      const error: unknown = await blobs.put(chunks(over, 64 * 1024), { contentType: 'application/octet-stream' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BlobTooLargeError);
      expect(error).toMatchObject({ code: 'BLOB.TOO_LARGE', limit: BLOB_CONTRACT_MAX_BYTES });
      expect(await blobs.has(refOf(over))).toBe(false);
      await expect(blobs.put(over, { contentType: 'application/octet-stream' })).rejects.toBeInstanceOf(BlobTooLargeError);
    },
  },
  {
    name: 'applies a lower per-put limit',
    async run({ blobs }) {
      const content = randomBytes(2000);
      await expect(blobs.put(content, { contentType: 'image/png', maxBytes: 1000 })).rejects.toMatchObject({ code: 'BLOB.TOO_LARGE', limit: 1000 });
      expect(await blobs.has(refOf(content))).toBe(false);
      await expect(blobs.put(content, { contentType: 'image/png', maxBytes: 2000 })).resolves.toMatchObject({ size: 2000 });
    },
  },
  {
    name: 'keeps nothing when the stream fails midway',
    async run({ blobs }) {
      const part = text('the first part only');
      await expect(blobs.put(failingAfter(part), { contentType: 'text/plain' })).rejects.toThrow('the source broke off');
      expect(await blobs.has(refOf(part))).toBe(false);
    },
  },
  {
    name: 'answers null, false and false for a ref it does not hold',
    async run({ blobs }) {
      const absent = refOf(text('never stored'));
      expect(await blobs.get(absent)).toBeNull();
      expect(await blobs.has(absent)).toBe(false);
      expect(await blobs.delete(absent)).toBe(false);
    },
  },
  {
    name: 'rejects a malformed ref with BlobRefError, so a ref never names a path',
    async run({ blobs }) {
      for (const bad of ['../../etc/passwd', 'sha256:xyz', `sha256:${'A'.repeat(64)}`, `md5:${'0'.repeat(32)}`, '']) {
        await expect(blobs.get(bad)).rejects.toBeInstanceOf(BlobRefError);
        await expect(blobs.has(bad)).rejects.toBeInstanceOf(BlobRefError);
        await expect(blobs.delete(bad)).rejects.toBeInstanceOf(BlobRefError);
      }
    },
  },
  {
    name: 'deletes a blob once',
    async run({ blobs }) {
      const { ref } = await blobs.put(text('to be deleted'), { contentType: 'text/plain' });
      expect(await blobs.delete(ref)).toBe(true);
      expect(await blobs.has(ref)).toBe(false);
      expect(await blobs.get(ref)).toBeNull();
      expect(await blobs.delete(ref)).toBe(false);
      // Stored again after a delete, it is back.
      await blobs.put(text('to be deleted'), { contentType: 'text/plain' });
      expect(await blobs.has(ref)).toBe(true);
    },
  },
];

/**
 * The conformance suite every BlobStore adapter passes. `makeStore` answers a fresh, empty store
 * whose own limit is `BLOB_CONTRACT_MAX_BYTES`.
 */
export function runBlobStoreContract(name: string, makeStore: () => Promise<BlobStoreUnderTest>): void {
  describeContract(`BlobStore contract: ${name}`, blobStoreChecks, makeStore);
}
