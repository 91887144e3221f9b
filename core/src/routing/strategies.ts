import type { RoutingStrategy } from './queue.entity.js';
import type { Candidate } from './eligibility.js';

const idleSince = (c: Candidate): number => (c.agent.lastOfferAt ?? c.agent.presenceSince).getTime();
const skillScore = (c: Candidate, skills: Record<string, number>): number =>
  Object.keys(skills).reduce((sum, skill) => sum + (c.agent.skills[skill] ?? 0), 0);

type Compare = (a: Candidate, b: Candidate) => number;

// Every strategy ends on the agent id so that equal candidates are ordered the same way on every node.
const byId: Compare = (a, b) => (a.agent.id < b.agent.id ? -1 : a.agent.id > b.agent.id ? 1 : 0);
const then =
  (...compares: Compare[]): Compare =>
  (a, b) => {
    for (const compare of compares) {
      const result = compare(a, b);
      if (result !== 0) return result;
    }
    return 0;
  };

/**
 * Picks the agent for an item among eligible candidates.
 * - longest-idle: the agent whose last offer (or becoming available) is oldest
 * - least-occupied: the fewest units in use
 * - most-available: the most free units
 * - best-skill: the highest summed level of the required skills, then longest idle
 * - round-robin: the agent offered least recently, treating never-offered agents as first
 */
export const chooseAgent = (strategy: RoutingStrategy, candidates: readonly Candidate[], skills: Record<string, number>): Candidate | null => {
  if (candidates.length === 0) return null;
  const compare: Record<RoutingStrategy, Compare> = {
    'longest-idle': then((a, b) => idleSince(a) - idleSince(b), byId),
    'least-occupied': then((a, b) => a.load.units - b.load.units, (a, b) => idleSince(a) - idleSince(b), byId),
    'most-available': then(
      (a, b) => b.agent.capacity.units - b.load.units - (a.agent.capacity.units - a.load.units),
      (a, b) => idleSince(a) - idleSince(b),
      byId,
    ),
    'best-skill': then((a, b) => skillScore(b, skills) - skillScore(a, skills), (a, b) => idleSince(a) - idleSince(b), byId),
    'round-robin': then((a, b) => (a.agent.lastOfferAt?.getTime() ?? 0) - (b.agent.lastOfferAt?.getTime() ?? 0), byId),
  };
  return [...candidates].sort(compare[strategy])[0] ?? null;
};
