import { contentHashOf, digestOf } from './hash-chain.js';
import { TOMBSTONE, type Interaction } from './interaction.entity.js';
import type { LedgerHead } from './ports/ledger-store.port.js';

/**
 * What can be wrong with the ledger, found by recomputing every chain against the hub-wide anchor:
 * - `entry_changed`: an entry's content, header or digest is not what its digest says;
 * - `chain_broken`: an entry does not link to the one before it (that one was rewritten with a new digest);
 * - `entries_missing`: entries removed from the middle of a chain (a gap in `seq`);
 * - `tail_removed`: the newest entries of a conversation are gone (the anchor names a later head);
 * - `head_changed`: the entry the anchor names as head is there, but with another digest;
 * - `conversation_removed`: the anchor names a conversation none of whose entries are left;
 * - `conversation_row_missing`: entries whose conversation record is gone;
 * - `unanchored`: entries the anchor never recorded (written around the store, or the anchor row removed).
 */
export type LedgerProblemKind =
  | 'entry_changed'
  | 'chain_broken'
  | 'entries_missing'
  | 'tail_removed'
  | 'head_changed'
  | 'conversation_removed'
  | 'conversation_row_missing'
  | 'unanchored';

export interface LedgerProblem {
  kind: LedgerProblemKind;
  conversationId: string;
  /** The first `seq` concerned. */
  seq?: number | undefined;
  /** The last `seq` concerned, for a range of missing entries. */
  toSeq?: number | undefined;
  entryId?: string | undefined;
  detail: string;
}

export interface LedgerVerification {
  ok: boolean;
  conversations: number;
  entries: number;
  problems: LedgerProblem[];
}

const isTombstone = (i: Interaction): boolean =>
  i.subject === TOMBSTONE.subject &&
  i.text === TOMBSTONE.text &&
  i.html === TOMBSTONE.html &&
  i.attachments.length === 0 &&
  i.party === TOMBSTONE.party &&
  Object.keys(i.data).length === 0;

/**
 * Checks one conversation's entries (in `seq` order) against the anchor. `head` is the anchor as
 * read before the entries; `laterHead` as read after them: entries past `head` were appended
 * meanwhile if `laterHead` covers them, else the anchor never saw them.
 */
export const verifyConversationChain = (
  conversationId: string,
  entries: readonly Interaction[],
  head: LedgerHead | null,
  laterHead: LedgerHead | null = head,
): LedgerProblem[] => {
  const problems: LedgerProblem[] = [];
  if (entries.length === 0) {
    if (head !== null) problems.push({ kind: 'conversation_removed', conversationId, seq: 1, toSeq: head.seq, detail: `all ${head.seq} entries of the conversation are gone` });
    return problems;
  }
  let expectedSeq = 1;
  let prev: string | null = null;
  for (const entry of entries) {
    if (entry.seq > expectedSeq) {
      problems.push({
        kind: 'entries_missing',
        conversationId,
        seq: expectedSeq,
        toSeq: entry.seq - 1,
        detail: entry.seq - 1 === expectedSeq ? `entry ${expectedSeq} is gone` : `entries ${expectedSeq} to ${entry.seq - 1} are gone`,
      });
    } else {
      const erased = entry.erasedAt !== null;
      const contentHash = erased ? entry.contentHash : contentHashOf(entry);
      const selfConsistent =
        contentHash === entry.contentHash && (!erased || isTombstone(entry)) && entry.digest === digestOf(entry, contentHash, entry.prevDigest);
      if (!selfConsistent) {
        problems.push({
          kind: 'entry_changed',
          conversationId,
          seq: entry.seq,
          entryId: entry.id,
          detail: erased && !isTombstone(entry) ? `erased entry ${entry.seq} holds content again` : `entry ${entry.seq} is not what its digest says`,
        });
      } else if (entry.prevDigest !== prev) {
        problems.push({
          kind: 'chain_broken',
          conversationId,
          seq: entry.seq,
          entryId: entry.id,
          detail: `entry ${entry.seq} does not link to entry ${entry.seq - 1}, which was rewritten`,
        });
      }
    }
    prev = entry.digest;
    expectedSeq = entry.seq + 1;
  }
  const last = entries.at(-1)!;
  if (head === null) {
    if (laterHead === null) problems.push({ kind: 'unanchored', conversationId, seq: 1, toSeq: last.seq, detail: 'the anchor holds no head for this conversation' });
  } else {
    if (head.seq > last.seq) {
      problems.push({
        kind: 'tail_removed',
        conversationId,
        seq: last.seq + 1,
        toSeq: head.seq,
        detail: head.seq === last.seq + 1 ? `entry ${head.seq}, the newest, is gone` : `entries ${last.seq + 1} to ${head.seq}, the newest, are gone`,
      });
    } else {
      const anchored = entries.find((e) => e.seq === head.seq);
      if (anchored !== undefined && anchored.digest !== head.digest) {
        problems.push({ kind: 'head_changed', conversationId, seq: head.seq, entryId: anchored.id, detail: `entry ${head.seq} has another digest than the anchor recorded` });
      }
    }
    const covered = Math.max(head.seq, laterHead?.seq ?? 0);
    if (last.seq > covered) {
      problems.push({ kind: 'unanchored', conversationId, seq: covered + 1, toSeq: last.seq, detail: `entries after ${covered} were never recorded in the anchor` });
    }
  }
  return problems;
};
