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
  contentHash: string;
  prevDigest: string | null;
  digest: string;
}
