import { describe, expect, it } from 'vitest';
import { aConversation, secondsAfter } from '../../testing/mothers.js';
import { CONVERSATION_STATUSES, conversationLifecycle, hopOf, type Conversation, type ConversationStatus } from '../conversation.entity.js';

const T0 = new Date('2026-04-01T08:00:00.000Z');
const later = secondsAfter(T0, 60);
const queueId = '6f1f7c55-31a8-4a4e-9a3e-4f3ad2b8b0d1';
const agentId = '0b9e2c1d-7a55-4c3e-8f0e-2d6b5a4c3b21';

/** The moves that go through the lifecycle's transition table, each by its own function. */
const moves: Record<'queued' | 'offered' | 'assigned' | 'resolved', (c: Conversation) => Conversation> = {
  queued: (c) => conversationLifecycle.queued(c, queueId, later),
  offered: (c) => conversationLifecycle.offered(c, queueId, later),
  assigned: (c) => conversationLifecycle.assigned(c, agentId, later),
  resolved: (c) => conversationLifecycle.resolved(c, later),
};

// Written out by hand, from the status list of ARCHITECTURE.md, so that a change to the table shows here.
const allowed: Record<ConversationStatus, readonly (keyof typeof moves)[]> = {
  open: ['queued', 'offered', 'resolved'],
  queued: ['queued', 'offered', 'resolved'],
  offered: ['queued', 'offered', 'assigned', 'resolved'],
  assigned: ['queued', 'offered', 'resolved'],
  waiting: ['queued', 'offered', 'assigned', 'resolved'],
  resolved: ['queued'],
  closed: [],
};

describe('conversationLifecycle', () => {
  const cases = CONVERSATION_STATUSES.flatMap((from) =>
    (Object.keys(moves) as (keyof typeof moves)[]).map((to) => ({ from, to, ok: allowed[from].includes(to) })),
  );

  it.each(cases.filter((c) => c.ok))('moves a $from conversation to $to', ({ from, to }) => {
    const before = aConversation({ status: from, updatedAt: T0 });
    const after = moves[to](before);
    expect(after.status).toBe(to);
    expect(after.updatedAt).toEqual(later);
    // the caller's copy is left as it was
    expect(before.status).toBe(from);
  });

  it.each(cases.filter((c) => !c.ok))('refuses to move a $from conversation to $to', ({ from, to }) => {
    const before = aConversation({ status: from });
    expect(() => moves[to](before)).toThrow(
      expect.objectContaining({ kind: 'conflict', code: to === 'resolved' ? 'CONVERSATION.ALREADY_RESOLVED' : 'CONVERSATION.INVALID_TRANSITION' }),
    );
  });

  it('opens a conversation with nothing on it yet', () => {
    const opened = conversationLifecycle.open('c0ffee00-0000-4000-8000-000000000001', T0);
    expect(opened).toMatchObject({ status: 'open', queueId: null, assignment: null, channels: [], hops: 0, handoffs: 0, createdAt: T0, updatedAt: T0 });
  });

  it('records the queue and clears the assignment and resolution when queued again', () => {
    const resolved = aConversation({ status: 'resolved', resolvedAt: T0, assignment: null, queueId: null });
    expect(conversationLifecycle.queued(resolved, queueId, later)).toMatchObject({ status: 'queued', queueId, assignment: null, resolvedAt: null });
    const assigned = aConversation({ status: 'assigned', assignment: { agentId, since: T0 } });
    expect(conversationLifecycle.offered(assigned, queueId, later).assignment).toBeNull();
  });

  it('assigns with the agent and the time, and resolving ends the assignment', () => {
    const assigned = conversationLifecycle.assigned(aConversation({ status: 'offered' }), agentId, later);
    expect(assigned.assignment).toEqual({ agentId, since: later });
    expect(conversationLifecycle.resolved(assigned, secondsAfter(later, 5))).toMatchObject({ status: 'resolved', assignment: null, resolvedAt: secondsAfter(later, 5) });
  });

  it('withdraws an offer only from an offered conversation', () => {
    expect(conversationLifecycle.offerWithdrawn(aConversation({ status: 'offered' }), later).status).toBe('queued');
    const assigned = aConversation({ status: 'assigned' });
    expect(conversationLifecycle.offerWithdrawn(assigned, later)).toBe(assigned);
  });

  it('an agent’s reply hands the ball to the customer and records the first response once', () => {
    const assigned = aConversation({ status: 'assigned', firstResponseAt: null });
    const replied = conversationLifecycle.agentReplied(assigned, later);
    expect(replied).toMatchObject({ status: 'waiting', firstResponseAt: later });
    expect(conversationLifecycle.agentReplied({ ...replied, status: 'assigned' }, secondsAfter(later, 9)).firstResponseAt).toEqual(later);
    // a reply on a conversation nobody is assigned to changes no status
    expect(conversationLifecycle.agentReplied(aConversation({ status: 'queued' }), later).status).toBe('queued');
  });

  it('the customer writing hands the ball back to the agent and adds the channel once', () => {
    const waiting = aConversation({ status: 'waiting', channels: ['email'] });
    const wrote = conversationLifecycle.customerWrote(waiting, 'webchat', later);
    expect(wrote).toMatchObject({ status: 'assigned', channels: ['email', 'webchat'], lastInboundChannel: 'webchat', lastInboundAt: later });
    expect(conversationLifecycle.customerWrote(wrote, 'email', later).channels).toEqual(['email', 'webchat']);
    expect(conversationLifecycle.customerWrote(aConversation({ status: 'resolved' }), 'email', later).status).toBe('resolved');
  });

  it('counts a hand-over as a handoff, not as a hop', () => {
    const handed = conversationLifecycle.handedOver(aConversation({ handoffs: 2, hops: 1 }));
    expect(handed).toMatchObject({ handoffs: 3, hops: 1 });
  });

  it('counts a channel hop each time the customer writes on another channel than the message before', () => {
    const fresh = conversationLifecycle.open('c-1', later);
    expect(hopOf(fresh, 'email')).toBeNull();
    const first = conversationLifecycle.customerWrote(fresh, 'email', later);
    expect(first.hops).toBe(0);
    expect(hopOf(first, 'email')).toBeNull();
    expect(hopOf(first, 'webchat')).toEqual({ from: 'email', to: 'webchat' });
    const second = conversationLifecycle.customerWrote(first, 'webchat', later);
    const back = conversationLifecycle.customerWrote(conversationLifecycle.customerWrote(second, 'webchat', later), 'email', later);
    expect(back).toMatchObject({ hops: 2, channels: ['email', 'webchat'], lastInboundChannel: 'email', handoffs: 0 });
  });
});
