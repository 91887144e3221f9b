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
  /** The thread this message continues, oldest first (an email References header); empty when unknown. */
  references?: string[] | undefined;
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

/**
 * Whether `error` is a `DeliveryError`, by its shape: a plugin loaded beside a bundled hub may
 * carry its own copy of the core, whose classes are not the hub's.
 */
export const isDeliveryError = (error: unknown): error is DeliveryError =>
  error instanceof Error && error.name === 'DeliveryError' && 'permanent' in error && typeof error.permanent === 'boolean';

/** The driven port of a channel: how the hub reaches a customer. */
export interface Channel {
  /** The channel name recorded on interactions (`webhook`, `email`, …). One plugin instance per name. */
  readonly channel: string;
  send(message: OutboundMessage): Promise<SendResult>;
  /**
   * The external id an outbound message will carry, for channels that name their messages
   * themselves (an email Message-ID). Asked when the reply is recorded, before it is sent, so it is
   * in the ledger entry: a customer's answer that refers to it joins the conversation. Pure and
   * stable for the same interaction id.
   */
  outboundExternalId?(message: { interactionId: string; conversationId: string }): string;
}

/** Identifies an outbound message to a channel's feedback: by the hub's id, or by the external id it carried. */
export type OutboundRef = { interactionId: string } | { channel: string; externalId: string };

/** What a channel reports about messages it sent earlier. */
export interface DeliveryFeedback {
  /**
   * A message the channel accepted earlier failed afterwards (an email bounce): its delivery
   * becomes `dead` with `reason`, visible in the API. Answers false when no such message exists.
   */
  markFailed(ref: OutboundRef, reason: string): Promise<boolean>;
}
