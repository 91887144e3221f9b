import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasSkills } from '../eligibility.js';
import { relaxedNeeds, relaxationFault, type RelaxationStep } from '../relaxation.js';

const SKILLS = ['billing', 'spanish', 'vip', 'general'];
const skillSet = fc.dictionary(fc.constantFrom(...SKILLS), fc.integer({ min: 1, max: 5 }), { maxKeys: 3 });
const T0 = new Date('2026-06-01T09:00:00.000Z');
const OTHER = '00000000-0000-4000-8000-000000000009';

const stepsArb: fc.Arbitrary<RelaxationStep[]> = fc
  .uniqueArray(fc.integer({ min: 1, max: 600 }), { maxLength: 4 })
  .chain((times) =>
    fc.tuple(
      ...[...times].sort((a, b) => a - b).map((afterSeconds) =>
        fc.oneof(
          fc.constant<RelaxationStep>({ afterSeconds, dropOptionalSkills: true }),
          fc.integer({ min: 1, max: 4 }).map((lowerLevelsBy): RelaxationStep => ({ afterSeconds, lowerLevelsBy })),
          fc.constant<RelaxationStep>({ afterSeconds, alsoQueues: [OTHER] }),
        ),
      ),
    ),
  );

describe('relaxation properties', () => {
  it('only widens with time: an agent eligible after t1 seconds is eligible after any t2 ≥ t1', () => {
    fc.assert(
      fc.property(stepsArb, skillSet, skillSet, skillSet, skillSet, fc.integer({ min: 0, max: 700 }), fc.integer({ min: 0, max: 700 }), (steps, skills, optional, other, agent, a, b) => {
        expect(relaxationFault(steps)).toBeNull();
        const [t1, t2] = a <= b ? [a, b] : [b, a];
        const item = { skills, optionalSkills: optional, enqueuedAt: T0 };
        const others = new Map([[OTHER, { name: 'other', skills: other }]]);
        const at = (t: number) => relaxedNeeds(item, steps, others, new Date(T0.getTime() + t * 1000));
        const eligible = (needs: ReturnType<typeof at>) => hasSkills({ skills: agent }, needs.skills) || needs.alternatives.some((alt) => hasSkills({ skills: agent }, alt));
        const early = at(t1);
        const late = at(t2);
        expect(late.step).toBeGreaterThanOrEqual(early.step);
        if (eligible(early)) expect(eligible(late)).toBe(true);
        // Before the first step: the full needs, required and optional, and no other queue.
        const start = at(0);
        expect(start).toMatchObject({ step: 0, alternatives: [] });
        for (const [skill, level] of Object.entries({ ...optional, ...skills })) expect(start.skills[skill]).toBeGreaterThanOrEqual(level);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses steps out of order', () => {
    fc.assert(
      fc.property(stepsArb.filter((s) => s.length >= 2), (steps) => {
        const swapped = [steps[1]!, steps[0]!, ...steps.slice(2)];
        expect(relaxationFault(swapped)?.[0]).toBe('relaxation.1.afterSeconds');
      }),
    );
  });
});
