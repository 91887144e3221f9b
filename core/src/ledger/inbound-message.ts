import type { AttachmentRef, Party } from './interaction.entity.js';

/** What a channel plugin hands to the ingest port. */
export interface InboundMessage {
  channel: string;
  externalId: string;
  from: Party;
  threadRef?: string | undefined;
  subject?: string | undefined;
  text: string;
  html?: string | undefined;
  occurredAt?: Date | undefined;
  attachments?: AttachmentRef[] | undefined;
  /** The plugin instance that received it. */
  sourcePlugin?: string | undefined;
}

export interface IngestResult {
  interactionId: string;
  customerId: string;
  conversationId: string;
  duplicate: boolean;
}

/** The driving port channel plugins call. Resolves only after the message is committed. */
export interface IngestPort {
  ingest(message: InboundMessage): Promise<IngestResult>;
}
export const IngestPort = Symbol.for('switchboard.IngestPort');
