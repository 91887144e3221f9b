export type InteractionDirection = 'inbound' | 'outbound' | 'internal';
export type InteractionType = 'message' | 'note' | 'status' | 'assignment' | 'merge' | 'erasure';

export interface AttachmentRef {
  name: string;
  contentType: string;
  size?: number | undefined;
  url?: string | undefined;
}

/** Who a message came from or goes to, on its channel. */
export interface Party {
  kind: string;
  value: string;
  name?: string | undefined;
}

/**
 * One immutable ledger entry. `seq` orders the entries of a conversation; `digest` chains each
 * entry to the previous one (see hash-chain.ts); `contentHash` lets an erased entry still verify.
 */
export interface Interaction {
  id: string;
  conversationId: string;
  customerId: string;
  seq: number;
  channel: string;
  direction: InteractionDirection;
  type: InteractionType;
  externalId: string | null;
  /** The thread reference the source gave (email In-Reply-To, Slack thread ts, …). */
  threadRef: string | null;
  subject: string | null;
  text: string;
  html: string | null;
  attachments: AttachmentRef[];
  /** Sender (inbound) or recipient (outbound); the acting agent for internal entries. */
  party: Party | null;
  agentId: string | null;
  /** Small structured facts of internal entries (status from/to, assignment, …). */
  data: Record<string, unknown>;
  sourcePlugin: string | null;
  occurredAt: Date;
  recordedAt: Date;
  /** Hash of the personal content (subject, text, html, attachments, party, data): the digest covers this, not the content. */
  contentHash: string;
  prevDigest: string | null;
  digest: string;
  /**
   * When erasure replaced the personal content with the tombstone (null while the content is
   * there). Outside the digest: the one change the ledger allows, see `tombstoneContent`.
   */
  erasedAt: Date | null;
}

/** The content an erased entry keeps: nothing personal. `contentHash` still holds the hash of what was there. */
export const TOMBSTONE = Object.freeze({ subject: null, text: '', html: null, attachments: [] as AttachmentRef[], party: null, data: {} as Record<string, unknown> });

/** The entry with its personal content replaced by the tombstone; header, content hash and digests unchanged. */
export const tombstoneContent = (interaction: Interaction, at: Date): Interaction => ({
  ...interaction,
  ...TOMBSTONE,
  attachments: [],
  data: {},
  erasedAt: interaction.erasedAt ?? at,
});
