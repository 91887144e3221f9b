import type { AgentDesk, DeskOffer, DeskOfferUpdate, DeskThreadPost } from '../../desk/ports/agent-desk.port.js';
import type { DeskView } from '../agent-desk.contract.js';

/**
 * The reference AgentDesk: a "chat tool" in memory, one view per agent bound under `desk.memory`.
 * `doublePosting` posts every call anew (the retry bug the contract catches).
 */
export class InMemoryAgentDesk implements AgentDesk {
  private readonly views = new Map<string, DeskView>();

  constructor(private readonly options: { doublePosting?: boolean } = {}) {}

  reaches(agent: { desk: Record<string, string | undefined> }): boolean {
    return typeof agent.desk['memory'] === 'string' && agent.desk['memory'] !== '';
  }

  async deliverOffer(offer: DeskOffer): Promise<void> {
    const view = this.view(offer.agentId);
    if (view.offers.some((o) => o.offerId === offer.offerId)) return;
    view.offers.push({ offerId: offer.offerId, status: 'offered' });
  }

  async updateOffer(update: DeskOfferUpdate): Promise<void> {
    const shown = this.view(update.agentId).offers.find((o) => o.offerId === update.offerId);
    if (shown) shown.status = update.status;
  }

  async postToThread(post: DeskThreadPost): Promise<void> {
    const view = this.view(post.agentId);
    if (!this.options.doublePosting && view.posts.some((p) => p.postId === post.postId)) return;
    view.posts.push({ conversationId: post.conversationId, postId: post.postId, text: post.text });
  }

  async notify(agentId: string, text: string): Promise<void> {
    this.view(agentId).notices.push(text);
  }

  seen(agentId: string): DeskView {
    const view = this.view(agentId);
    return { offers: view.offers.map((o) => ({ ...o })), posts: view.posts.map((p) => ({ ...p })), notices: [...view.notices] };
  }

  private view(agentId: string): DeskView {
    let view = this.views.get(agentId);
    if (!view) {
      view = { offers: [], posts: [], notices: [] };
      this.views.set(agentId, view);
    }
    return view;
  }
}
