import type { Page, PageRequest } from '../../shared/page.js';
import type { Transactions } from '../../shared/ports/transactions.port.js';
import type { Conversation } from '../conversation.entity.js';
import { verifyChain, type ChainVerification } from '../hash-chain.js';
import { ledgerErrors } from '../ledger.errors.js';
import { verifyConversationChain, type LedgerProblem, type LedgerVerification } from '../ledger-verification.js';
import type { ConversationFilter, LedgerHead, LedgerSession } from '../ports/ledger-store.port.js';
import type { Interaction } from '../interaction.entity.js';

/** Conversations verified per round of reads: bounded memory however large the ledger. */
const BATCH = 200;

const byConversation = (entries: readonly Interaction[]): Map<string, Interaction[]> => {
  const grouped = new Map<string, Interaction[]>();
  for (const entry of entries) {
    const list = grouped.get(entry.conversationId);
    if (list === undefined) grouped.set(entry.conversationId, [entry]);
    else list.push(entry);
  }
  return grouped;
};

/** Reads of the ledger: no writes, no transactions. */
export class LedgerQueries {
  constructor(private readonly store: Transactions<LedgerSession>) {}

  async conversations(filter: ConversationFilter, page: PageRequest): Promise<Page<Conversation>> {
    return this.store.read((session) => session.conversations.list(filter, page));
  }

  /** Recomputes a conversation's hash chain; erased entries verify by their kept content hash. */
  async verify(conversationId: string): Promise<ChainVerification> {
    return this.store.read(async (session) => {
      if (!(await session.conversations.get(conversationId))) throw ledgerErrors.conversationNotFound(conversationId);
      return verifyChain(await session.interactions.listByConversation(conversationId));
    });
  }

  /**
   * Recomputes every chain of the ledger and checks it against the hub-wide anchor, so that a
   * rewritten entry, a removed entry or tail, and a removed conversation are all named. Two walks:
   * the anchor's heads (which finds what was removed), then the conversation ids the ledger holds
   * (which finds entries the anchor never recorded). Heads are read before entries, so entries
   * appended meanwhile are never taken for damage.
   */
  async verifyAll(): Promise<LedgerVerification> {
    return this.store.read(async (session) => {
      const problems: LedgerProblem[] = [];
      let conversations = 0;
      let entries = 0;
      const check = async (ids: readonly string[], heads: ReadonlyMap<string, LedgerHead>): Promise<void> => {
        const chains = byConversation(await session.interactions.listByConversations(ids));
        const beyond = ids.filter((id) => (chains.get(id)?.at(-1)?.seq ?? 0) > (heads.get(id)?.seq ?? 0));
        const later = new Map((await session.heads.getMany(beyond)).map((h) => [h.conversationId, h]));
        const records = new Set((await session.conversations.getMany(ids)).map((c) => c.id));
        for (const id of ids) {
          const chain = chains.get(id) ?? [];
          conversations += 1;
          entries += chain.length;
          const head = heads.get(id) ?? null;
          problems.push(...verifyConversationChain(id, chain, head, later.get(id) ?? head));
          if (chain.length > 0 && !records.has(id)) {
            problems.push({ kind: 'conversation_row_missing', conversationId: id, detail: `the conversation record is gone; ${chain.length} entries remain` });
          }
        }
      };

      for (let after: string | null = null; ; ) {
        const heads = await session.heads.page(after, BATCH);
        if (heads.length === 0) break;
        await check(
          heads.map((h) => h.conversationId),
          new Map(heads.map((h) => [h.conversationId, h])),
        );
        after = heads.at(-1)!.conversationId;
      }
      for (let after: string | null = null; ; ) {
        const ids = await session.interactions.conversationIdsAfter(after, BATCH);
        if (ids.length === 0) break;
        const anchored = new Set((await session.heads.getMany(ids)).map((h) => h.conversationId));
        const unanchored = ids.filter((id) => !anchored.has(id));
        if (unanchored.length > 0) await check(unanchored, new Map());
        after = ids.at(-1)!;
      }
      return { ok: problems.length === 0, conversations, entries, problems };
    });
  }
}
