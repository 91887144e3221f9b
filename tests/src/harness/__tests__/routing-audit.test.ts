import { describe, expect, it } from 'vitest';
import { auditRoutingHistory, type AuditAssignment, type AuditOffer, type RoutingHistory } from '../routing-audit.js';
import { SeededRandom } from '../seeded-random.js';

// The auditor of the concurrency test must see each kind of violation, or that test proves nothing.

const agent = { id: 'a1', name: 'Ada', units: 30, perChannel: { chat: 2 } };
const offer = (o: Partial<AuditOffer> & { id: string; createdAt: number }): AuditOffer => ({
  conversationId: 'c1', agentId: 'a1', channel: 'email', cost: 10, status: 'declined', answeredAt: o.createdAt + 100, ...o,
});
const assignment = (a: Partial<AuditAssignment> & { id: string; startedAt: number }): AuditAssignment => ({
  conversationId: 'c1', agentId: 'a1', channel: 'email', cost: 10, endedAt: null, ...a,
});
const history = (h: Partial<RoutingHistory>): RoutingHistory => ({ agents: [agent], offers: [], assignments: [], decisions: [], ledger: [], ...h });
const accepted = (id: string, at: number, conversationId = 'c1') => ({
  offer: offer({ id, conversationId, createdAt: at - 50, status: 'accepted', answeredAt: at }),
  assignment: assignment({ id: `as-${id}`, conversationId, startedAt: at }),
  entry: { conversationId, seq: 1, type: 'assignment', occurredAt: at, offerId: id, to: null },
});

describe('auditRoutingHistory', () => {
  it('passes a history that keeps every invariant (offers back to back, an accept, a transfer, a resolve)', () => {
    const first = accepted('o2', 1200);
    const second = accepted('o4', 2600);
    const report = auditRoutingHistory(
      history({
        offers: [offer({ id: 'o1', createdAt: 1000, answeredAt: 1100 }), first.offer, offer({ id: 'o3', createdAt: 2100, status: 'rescinded', answeredAt: 2300 }), second.offer],
        assignments: [{ ...first.assignment, endedAt: 2000 }, { ...second.assignment, endedAt: 3000 }],
        decisions: [{ conversationId: 'c1', outcome: 'transferred', agentId: null, at: 2000 }],
        ledger: [first.entry, second.entry, { conversationId: 'c1', seq: 9, type: 'status', occurredAt: 3000, offerId: null, to: 'resolved' }],
      }),
    );
    expect(report.violations).toEqual([]);
    expect(report.episodes).toBe(2);
  });

  it('sees two live offers for one item, also when a long offer covers a later pair', () => {
    const report = auditRoutingHistory(history({ offers: [offer({ id: 'long', createdAt: 0, answeredAt: 1000 }), offer({ id: 'x', createdAt: 100 }), offer({ id: 'y', createdAt: 600 })] }));
    expect(report.violations.filter((v) => v.startsWith('two live offers'))).toHaveLength(2);
  });

  it('sees a pending offer followed by another one, and an offer answered before it was made', () => {
    const report = auditRoutingHistory(history({ offers: [offer({ id: 'p', createdAt: 0, status: 'pending', answeredAt: null }), offer({ id: 'q', createdAt: 5000, answeredAt: 4000 })] }));
    expect(report.violations.some((v) => v.startsWith('two live offers'))).toBe(true);
    expect(report.violations.some((v) => v.includes('ends') && v.includes('before it starts'))).toBe(true);
  });

  it('sees two assignments at once', () => {
    const a = accepted('o1', 100);
    const b = accepted('o2', 200);
    const report = auditRoutingHistory(history({ offers: [a.offer, b.offer], assignments: [a.assignment, b.assignment], ledger: [a.entry, b.entry] }));
    expect(report.violations.some((v) => v.startsWith('two live assignments'))).toBe(true);
    expect(report.violations.some((v) => v.includes('assigned 2 times in one episode'))).toBe(true);
  });

  it('sees an agent over its units, and over a per-channel maximum, with what it held', () => {
    const units = auditRoutingHistory(
      history({ offers: [offer({ id: 'o1', conversationId: 'c1', createdAt: 0, cost: 20, answeredAt: 500 }), offer({ id: 'o2', conversationId: 'c2', createdAt: 499, cost: 20 })] }),
    );
    expect(units.violations).toEqual([expect.stringMatching(/^agent Ada over capacity .* 40 units in use of 30 after offer o2; holding offer o1/)]);
    const chat = auditRoutingHistory(
      history({ offers: ['c1', 'c2', 'c3'].map((conversationId, i) => offer({ id: `o${i}`, conversationId, channel: 'chat', cost: 5, createdAt: i, answeredAt: 100 })) }),
    );
    expect(chat.violations).toEqual([expect.stringMatching(/over its chat maximum .* 3 items of 2/)]);
    expect(chat.peaks[0]?.saturated).toBe(true);
  });

  it('frees capacity before taking it at the same instant (half-open intervals)', () => {
    const report = auditRoutingHistory(
      history({ offers: [offer({ id: 'o1', conversationId: 'c1', createdAt: 0, cost: 30, answeredAt: 500 }), offer({ id: 'o2', conversationId: 'c2', createdAt: 500, cost: 30 })] }),
    );
    expect(report.violations).toEqual([]);
    expect(report.peaks[0]).toMatchObject({ peakUnits: 30, saturated: true });
  });

  it('sees an assignment without its accepted offer or ledger entry, and one that ended unexplained', () => {
    const a = accepted('o1', 100);
    const report = auditRoutingHistory(history({ offers: [a.offer], assignments: [{ ...a.assignment, endedAt: 900 }, assignment({ id: 'stray', conversationId: 'c9', startedAt: 50 })] }));
    expect(report.violations).toEqual(
      expect.arrayContaining([
        'accepted offer o1 has 0 assignment entries in the ledger',
        'assignment stray (conversation c9) comes from no accepted offer',
        expect.stringMatching(/^assignment as-o1 .* ended at .* with no transfer, hand-back or resolution/),
      ]),
    );
  });

  it('sees an item offered again after it was assigned, in the same episode', () => {
    const a = accepted('o1', 100);
    const report = auditRoutingHistory(history({ offers: [a.offer, offer({ id: 'again', createdAt: 300, agentId: 'a2' })], assignments: [a.assignment], ledger: [a.entry] }));
    expect(report.violations).toEqual([expect.stringMatching(/offered again \(again\) after its assignment by offer o1/)]);
  });
});

describe('SeededRandom', () => {
  it('replays the same sequence for the same seed, forks included', () => {
    const run = (seed: number) => {
      const r = new SeededRandom(seed);
      const fork = r.fork();
      return [r.next(), r.int(1, 6), fork.next(), fork.pick(['a', 'b', 'c'])];
    };
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
  });
});
