import { createHash } from 'node:crypto';
import type { Interaction } from './interaction.entity.js';

/** JSON with sorted keys and no undefined members, so equal content always hashes equally. */
export const canonicalJson = (value: unknown): string => {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
};

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

type Content = Pick<Interaction, 'subject' | 'text' | 'html' | 'attachments' | 'party' | 'data'>;
type Header = Pick<
  Interaction,
  | 'id'
  | 'conversationId'
  | 'customerId'
  | 'seq'
  | 'channel'
  | 'direction'
  | 'type'
  | 'externalId'
  | 'threadRef'
  | 'agentId'
  | 'occurredAt'
  | 'recordedAt'
>;

/** Hash of the personal content; kept when erasure replaces the content with a tombstone. */
export const contentHashOf = (content: Content): string =>
  sha256(
    canonicalJson({
      subject: content.subject,
      text: content.text,
      html: content.html,
      attachments: content.attachments,
      party: content.party,
      data: content.data,
    }),
  );

export const digestOf = (header: Header, contentHash: string, prevDigest: string | null): string =>
  sha256(
    canonicalJson({
      prev: prevDigest,
      id: header.id,
      conversationId: header.conversationId,
      customerId: header.customerId,
      seq: header.seq,
      channel: header.channel,
      direction: header.direction,
      type: header.type,
      externalId: header.externalId,
      threadRef: header.threadRef,
      agentId: header.agentId,
      occurredAt: header.occurredAt.toISOString(),
      recordedAt: header.recordedAt.toISOString(),
      contentHash,
    }),
  );

export interface ChainVerification {
  ok: boolean;
  entries: number;
  /** Id of the first entry whose digest or link does not hold. */
  brokenAt?: string;
}

/** Recomputes the chain of one conversation's entries, given in `seq` order. */
export const verifyChain = (entries: readonly Interaction[], isErased: (i: Interaction) => boolean = () => false): ChainVerification => {
  let prev: string | null = null;
  for (const [index, entry] of entries.entries()) {
    const contentHash = isErased(entry) ? entry.contentHash : contentHashOf(entry);
    const expected = digestOf(entry, contentHash, prev);
    if (entry.seq !== index + 1 || entry.prevDigest !== prev || entry.digest !== expected || contentHash !== entry.contentHash) {
      return { ok: false, entries: entries.length, brokenAt: entry.id };
    }
    prev = entry.digest;
  }
  return { ok: true, entries: entries.length };
};
