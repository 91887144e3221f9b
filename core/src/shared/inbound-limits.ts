/**
 * The longest values an inbound message may carry, in characters (UTF-16 code units, as zod and
 * `String.length` count them): one set for every route that ingests, and for the ingest use case.
 *
 * Ids stay at 512: `externalId` is part of a primary key and `threadRef` of an index, and a
 * PostgreSQL index entry holds at most about 2,700 bytes (512 characters are at most 1,536 bytes
 * of UTF-8). Real Message-IDs are far shorter than RFC 5322's 998-character line.
 */
export const INBOUND_LIMITS = {
  channel: 64,
  externalId: 512,
  threadRef: 512,
  /** References an email may carry (In-Reply-To and its References chain). */
  threadRefs: 100,
  /** Same-customer references (`customerThreadRefs`, e.g. subject tokens). */
  customerThreadRefs: 10,
  /** More identities a message may name for its sender. */
  identities: 20,
  fromValue: 320,
  fromName: 200,
  subject: 998,
  text: 200_000,
  html: 1_000_000,
  attachments: 100,
  attachmentName: 255,
  attachmentContentType: 255,
} as const;
