import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { AgentDesk, DeskOffer, DeskThreadPost } from '../desk/ports/agent-desk.port.js';
import { describeContract, type ContractCheck, type Disposable } from './contract-check.js';

/** What one agent sees in the desk, as the adapter's test harness reads it back from the chat tool (or its fake). */
export interface DeskView {
  /** One entry per offer shown, with its current state. */
  offers: { offerId: string; status: 'offered' | 'accepted' | 'declined' | 'expired' | 'rescinded' }[];
  /** Thread posts, in the order shown. */
  posts: { conversationId: string; postId: string; text: string }[];
  notices: string[];
}

/** A desk made for one check, with one agent it reaches and one it does not. */
export interface AgentDeskUnderTest extends Disposable {
  desk: AgentDesk;
  reached: { id: string; desk: Record<string, string | undefined> };
  unreached: { id: string; desk: Record<string, string | undefined> };
  /** What `agentId` sees now. */
  seen(agentId: string): Promise<DeskView>;
}

const offerFor = (agentId: string): DeskOffer => ({
  offerId: randomUUID(),
  agentId,
  queueName: 'support',
  expiresAt: new Date(Date.now() + 60_000),
  context: {
    conversationId: randomUUID(),
    customer: { id: randomUUID(), displayName: 'Ada Lovelace', identities: [{ kind: 'email', value: 'ada@example.com' }] },
    channel: 'email',
    subject: 'Order 1234',
    recent: [{ channel: 'email', direction: 'inbound', text: 'Where is my order?', occurredAt: new Date() }],
  },
});

const postFor = (agentId: string, conversationId: string, text: string): DeskThreadPost => ({
  postId: randomUUID(),
  conversationId,
  agentId,
  kind: 'customer-message',
  from: { kind: 'email', value: 'ada@example.com', name: 'Ada' },
  text,
  occurredAt: new Date(),
});

export const agentDeskChecks: readonly ContractCheck<AgentDeskUnderTest>[] = [
  {
    name: 'reaches the agents bound to it and no others',
    async run({ desk, reached, unreached }) {
      expect(desk.reaches(reached)).toBe(true);
      expect(desk.reaches(unreached)).toBe(false);
      expect(desk.reaches({ desk: {} })).toBe(false);
    },
  },
  {
    name: 'shows an offer once, however often it is delivered',
    async run({ desk, reached, seen }) {
      const offer = offerFor(reached.id);
      await desk.deliverOffer(offer);
      await desk.deliverOffer(offer);
      expect((await seen(reached.id)).offers).toEqual([{ offerId: offer.offerId, status: 'offered' }]);
    },
  },
  {
    name: 'updates a shown offer, idempotently',
    async run({ desk, reached, seen }) {
      const offer = offerFor(reached.id);
      await desk.deliverOffer(offer);
      await desk.updateOffer({ offerId: offer.offerId, agentId: reached.id, status: 'accepted' });
      await desk.updateOffer({ offerId: offer.offerId, agentId: reached.id, status: 'accepted' });
      expect((await seen(reached.id)).offers).toEqual([{ offerId: offer.offerId, status: 'accepted' }]);
    },
  },
  {
    name: 'takes an update for an offer it never showed without failing',
    async run({ desk, reached, seen }) {
      await expect(desk.updateOffer({ offerId: randomUUID(), agentId: reached.id, status: 'expired' })).resolves.toBeUndefined();
      expect((await seen(reached.id)).offers).toEqual([]);
    },
  },
  {
    name: 'posts to a thread once per post id, in order',
    async run({ desk, reached, seen }) {
      const conversationId = randomUUID();
      const first = postFor(reached.id, conversationId, 'first message');
      const second = postFor(reached.id, conversationId, 'second message');
      await desk.postToThread(first);
      await desk.postToThread(first);
      await desk.postToThread(second);
      const posts = (await seen(reached.id)).posts.filter((p) => p.conversationId === conversationId);
      expect(posts.map((p) => p.postId)).toEqual([first.postId, second.postId]);
      expect(posts.map((p) => p.text.includes('message'))).toEqual([true, true]);
    },
  },
  {
    name: 'notifies one agent and nobody else',
    async run({ desk, reached, unreached, seen }) {
      await desk.notify(reached.id, 'You were set away after an offer expired');
      expect((await seen(reached.id)).notices.some((n) => n.includes('set away'))).toBe(true);
      expect((await seen(unreached.id)).notices).toEqual([]);
    },
  },
];

/** The conformance suite every AgentDesk adapter passes. */
export function runAgentDeskContract(name: string, makeDesk: () => Promise<AgentDeskUnderTest>): void {
  describeContract(`AgentDesk contract: ${name}`, agentDeskChecks, makeDesk);
}
