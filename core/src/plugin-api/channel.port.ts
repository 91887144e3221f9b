import type { AttachmentRef, Party } from '../ledger/interaction.entity.js';

/** An outbound message the hub asks a channel to deliver. */
export interface OutboundMessage {
  /** Stable across retries: use it as the idempotency key towards the provider. */
  interactionId: string;
  conversationId: string;
  customerId: string;
  channel: string;
  to: Party;
  subject: string | null;
  text: string;
  html: string | null;
  attachments: AttachmentRef[];
  /** External id of the customer's message this answers (threading). */
  inReplyTo: string | null;
  threadRef: string | null;
  agent: { id: string; name: string } | null;
  attempt: number;
}

export interface SendResult {
  providerMessageId?: string | undefined;
}

/**
 * Thrown by `Channel.send`. `permanent` failures are dead-lettered at once; others are retried
 * with backoff until the hub's attempt limit.
 */
export class DeliveryError extends Error {
  readonly permanent: boolean;
  constructor(message: string, options: { permanent?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DeliveryError';
    this.permanent = options.permanent ?? false;
  }
}

/** The driven port of a channel: how the hub reaches a customer. */
export interface Channel {
  /** The channel name recorded on interactions (`webhook`, `email`, …). One plugin instance per name. */
  readonly channel: string;
  send(message: OutboundMessage): Promise<SendResult>;
}
