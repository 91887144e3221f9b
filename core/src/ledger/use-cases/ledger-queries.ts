import type { Page, PageRequest } from '../../shared/page.js';
import type { Transactions } from '../../shared/ports/transactions.port.js';
import type { Conversation } from '../conversation.entity.js';
import { verifyChain, type ChainVerification } from '../hash-chain.js';
import { ledgerErrors } from '../ledger.errors.js';
import type { ConversationFilter, LedgerSession } from '../ports/ledger-store.port.js';

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
}
