import { newId } from '../shared/ids.js';
import type { Conversation } from './conversation.entity.js';
import { contentHashOf, digestOf } from './hash-chain.js';
import type { Interaction } from './interaction.entity.js';
import type { LedgerSession } from './ports/ledger-store.port.js';

export type NewEntry = Pick<Interaction, 'channel' | 'direction' | 'type' | 'text'> &
  Partial<Pick<Interaction, 'externalId' | 'threadRef' | 'subject' | 'html' | 'attachments' | 'party' | 'agentId' | 'data' | 'sourcePlugin' | 'occurredAt'>>;

/** Builds the entry that follows `head` in a conversation's chain (no I/O). */
export const buildEntry = (
  conversation: Pick<Conversation, 'id' | 'customerId'>,
  entry: NewEntry,
  head: Pick<Interaction, 'seq' | 'digest'> | null,
  now: Date,
  id: string = newId(),
  /** `contentHashOf` the entry's content, when the caller computed it already (an import, ahead of its batch). */
  contentHash?: string,
): Interaction => {
  // One object, hashed in place: this runs for every message ingested.
  const interaction: Interaction = {
    id,
    conversationId: conversation.id,
    customerId: conversation.customerId,
    seq: (head?.seq ?? 0) + 1,
    channel: entry.channel,
    direction: entry.direction,
    type: entry.type,
    externalId: entry.externalId ?? null,
    threadRef: entry.threadRef ?? null,
    agentId: entry.agentId ?? null,
    occurredAt: entry.occurredAt ?? now,
    recordedAt: now,
    subject: entry.subject ?? null,
    text: entry.text,
    html: entry.html ?? null,
    attachments: entry.attachments ?? [],
    party: entry.party ?? null,
    data: entry.data ?? {},
    sourcePlugin: entry.sourcePlugin ?? null,
    contentHash: '',
    prevDigest: head?.digest ?? null,
    digest: '',
    erasedAt: null,
  };
  interaction.contentHash = contentHash ?? contentHashOf(interaction);
  interaction.digest = digestOf(interaction, interaction.contentHash, interaction.prevDigest);
  return interaction;
};

/**
 * Appends one entry to a conversation's chain. The caller holds the conversation's lock, so the
 * head read here is the head the entry links to.
 */
export const appendEntry = async (
  session: Pick<LedgerSession, 'interactions'>,
  conversation: Pick<Conversation, 'id' | 'customerId'>,
  entry: NewEntry,
  now: Date,
  id: string = newId(),
): Promise<Interaction> => {
  const interaction = buildEntry(conversation, entry, await session.interactions.last(conversation.id), now, id);
  await session.interactions.insert(interaction);
  return interaction;
};
