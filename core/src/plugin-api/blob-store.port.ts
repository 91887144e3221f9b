/** Bytes given to a blob store: all at once, or as a stream (a Node Readable, a web ReadableStream). */
export type BlobContent = Uint8Array | AsyncIterable<Uint8Array>;

export interface BlobPutOptions {
  contentType: string;
  /** Refuse content past this many bytes (the store's own limit applies as well; the lower wins). */
  maxBytes?: number | undefined;
}

export interface StoredBlob {
  /** `sha256:<64 hex digits>` of the content: the same bytes always get the same ref. */
  ref: string;
  size: number;
  contentType: string;
}

export interface BlobReader extends StoredBlob {
  /** The content as a stream; each call reads from the start. */
  stream(): AsyncIterable<Uint8Array>;
  bytes(): Promise<Uint8Array>;
}

/** Thrown by `put` past the size limit; nothing is kept. */
export class BlobTooLargeError extends Error {
  readonly code = 'BLOB.TOO_LARGE';
  readonly limit: number;
  constructor(limit: number) {
    super(`the content is larger than the limit of ${limit} bytes`);
    this.name = 'BlobTooLargeError';
    this.limit = limit;
  }
}

/** Thrown for a ref that is not `sha256:<64 hex digits>` (so it never names a path). */
export class BlobRefError extends Error {
  readonly code = 'BLOB.INVALID_REF';
  constructor(ref: string) {
    super(`not a blob ref: ${ref.slice(0, 80)}`);
    this.name = 'BlobRefError';
  }
}

const BLOB_REF = /^sha256:[0-9a-f]{64}$/;
export const isBlobRef = (ref: string): boolean => BLOB_REF.test(ref);

/**
 * Content-addressed storage for attachments and other bytes. `put` is idempotent: storing the same
 * bytes again answers the same ref (the first content type is kept). A put is all or nothing: a
 * failed or refused put leaves no blob and no partial file. `runBlobStoreContract` from
 * `@switchboard/core/testing` checks an adapter.
 */
export interface BlobStore {
  /** The store's own size limit per blob, in bytes. */
  readonly maxBytes: number;
  put(content: BlobContent, options: BlobPutOptions): Promise<StoredBlob>;
  /** null when no blob has that ref. `get`, `has` and `delete` reject a malformed ref with BlobRefError. */
  get(ref: string): Promise<BlobReader | null>;
  has(ref: string): Promise<boolean>;
  /** Answers false when there was nothing to delete. */
  delete(ref: string): Promise<boolean>;
}
export const BlobStore = Symbol.for('switchboard.BlobStore');
