import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Candidate } from '../eligibility.js';
import { ROUTING_STRATEGIES } from '../queue.entity.js';
import { rankAgents, topAgents } from '../strategies.js';

const T0 = Date.parse('2026-06-01T09:00:00.000Z');
const SKILLS = ['billing', 'spanish', 'vip'];

// Few distinct values, so that candidates tie on the strategies' first keys and the tie-breaks decide.
const candidateArb = (id: number): fc.Arbitrary<Candidate> =>
  fc.record({
    lastOffer: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }),
    since: fc.integer({ min: 0, max: 3 }),
    units: fc.constantFrom(0, 10, 20),
    capacity: fc.constantFrom(20, 40),
    skills: fc.dictionary(fc.constantFrom(...SKILLS), fc.integer({ min: 1, max: 3 }), { maxKeys: 2 }),
  }).map(({ lastOffer, since, units, capacity, skills }) => ({
    agent: {
      id: `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`,
      name: `agent ${id}`,
      email: null,
      skills,
      capacity: { units: capacity, perChannel: {} },
      presence: 'available' as const,
      presenceSince: new Date(T0 + since * 1000),
      desk: {},
      lastOfferAt: lastOffer === null ? null : new Date(T0 + lastOffer * 1000),
      createdAt: new Date(T0),
      updatedAt: new Date(T0),
    },
    load: { units, perChannel: {} },
  }));

const candidatesArb = fc.integer({ min: 0, max: 30 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => candidateArb(i))));

describe('topAgents', () => {
  it('is the head of rankAgents, in its order, for every strategy and limit', () => {
    fc.assert(
      fc.property(
        candidatesArb,
        fc.constantFrom(...ROUTING_STRATEGIES),
        fc.dictionary(fc.constantFrom(...SKILLS), fc.integer({ min: 1, max: 3 }), { maxKeys: 2 }),
        fc.integer({ min: 0, max: 12 }),
        (candidates, strategy, skills, limit) => {
          const ids = (list: Candidate[]) => list.map((c) => c.agent.id);
          expect(ids(topAgents(strategy, candidates, skills, limit))).toEqual(ids(rankAgents(strategy, candidates, skills).slice(0, limit)));
        },
      ),
      { numRuns: 500 },
    );
  });
});
