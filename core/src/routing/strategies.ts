import type { RoutingStrategy } from './queue.entity.js';
import type { Candidate } from './eligibility.js';
import type { RankedCandidate } from './offer.entity.js';

const idleSince = (c: Candidate): number => (c.agent.lastOfferAt ?? c.agent.presenceSince).getTime();
const skillScore = (c: Candidate, skills: Record<string, number>): number =>
  Object.keys(skills).reduce((sum, skill) => sum + (c.agent.skills[skill] ?? 0), 0);

type Compare = (a: Candidate, b: Candidate) => number;

// Every strategy ends on the agent id so that equal candidates are ordered the same way on every node.
const byId: Compare = (a, b) => (a.agent.id < b.agent.id ? -1 : a.agent.id > b.agent.id ? 1 : 0);
// Agents freed in the same instant tie on time: the one carrying less goes first, so work spreads.
const byLoad: Compare = (a, b) => a.load.units - b.load.units;
const then =
  (...compares: Compare[]): Compare =>
  (a, b) => {
    for (const compare of compares) {
      const result = compare(a, b);
      if (result !== 0) return result;
    }
    return 0;
  };

const compareFor = (strategy: RoutingStrategy, skills: Record<string, number>): Compare => {
  switch (strategy) {
    case 'longest-idle':
      return then((a, b) => idleSince(a) - idleSince(b), byLoad, byId);
    case 'least-occupied':
      return then((a, b) => a.load.units - b.load.units, (a, b) => idleSince(a) - idleSince(b), byId);
    case 'most-available':
      return then(
        (a, b) => b.agent.capacity.units - b.load.units - (a.agent.capacity.units - a.load.units),
        (a, b) => idleSince(a) - idleSince(b),
        byId,
      );
    case 'best-skill':
      return then((a, b) => skillScore(b, skills) - skillScore(a, skills), (a, b) => idleSince(a) - idleSince(b), byLoad, byId);
    case 'round-robin':
      return then((a, b) => (a.agent.lastOfferAt?.getTime() ?? 0) - (b.agent.lastOfferAt?.getTime() ?? 0), byLoad, byId);
  }
};

/** The first key of each order, as a number (lower ranks first): the order's first comparison is the difference of these. */
const primaryFor = (strategy: RoutingStrategy, skills: Record<string, number>): ((c: Candidate) => number) => {
  switch (strategy) {
    case 'longest-idle':
      return idleSince;
    case 'least-occupied':
      return (c) => c.load.units;
    case 'most-available':
      return (c) => c.load.units - c.agent.capacity.units;
    case 'best-skill':
      return (c) => -skillScore(c, skills);
    case 'round-robin':
      return (c) => c.agent.lastOfferAt?.getTime() ?? 0;
  }
};

/**
 * Ranks eligible candidates for an item, best first: the first is the agent the strategy picks.
 * - longest-idle: the agent whose last offer (or becoming available) is oldest
 * - least-occupied: the fewest units in use
 * - most-available: the most free units
 * - best-skill: the highest summed level of the required skills, then longest idle
 * - round-robin: the agent offered least recently, treating never-offered agents as first
 */
export const rankAgents = (strategy: RoutingStrategy, candidates: readonly Candidate[], skills: Record<string, number>): Candidate[] =>
  [...candidates].sort(compareFor(strategy, skills));

/**
 * The first `limit` of `rankAgents`, in its order, without sorting them all: the router ranks
 * every eligible agent for every item, and only the head of the ranking is used or recorded.
 */
export const topAgents = (strategy: RoutingStrategy, candidates: readonly Candidate[], skills: Record<string, number>, limit: number): Candidate[] => {
  const compare = compareFor(strategy, skills);
  const primary = primaryFor(strategy, skills);
  const best: Candidate[] = [];
  if (limit <= 0) return best;
  // The last kept one's first key: a candidate above it cannot get in (a routing pass asks this of
  // every eligible agent for every item, so the full comparison runs only for the close ones).
  let worst = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    if (best.length === limit && primary(candidate) > worst) continue;
    if (best.length === limit && compare(candidate, best[limit - 1]!) >= 0) continue;
    // Every order ends on the id, so no two candidates tie: the place is unique.
    let at = best.length;
    while (at > 0 && compare(candidate, best[at - 1]!) < 0) at -= 1;
    best.splice(at, 0, candidate);
    if (best.length > limit) best.pop();
    if (best.length === limit) worst = primary(best[limit - 1]!);
  }
  return best;
};

export const chooseAgent = (strategy: RoutingStrategy, candidates: readonly Candidate[], skills: Record<string, number>): Candidate | null =>
  rankAgents(strategy, candidates, skills)[0] ?? null;

/** The explainer's view of a ranking: the first `limit` candidates with what the strategies look at. */
export const describeRanking = (ranked: readonly Candidate[], skills: Record<string, number>, limit = 10): RankedCandidate[] =>
  ranked.slice(0, limit).map((c, i) => ({
    agentId: c.agent.id,
    name: c.agent.name,
    rank: i + 1,
    unitsInUse: c.load.units,
    freeUnits: c.agent.capacity.units - c.load.units,
    skillScore: skillScore(c, skills),
    idleSince: new Date(idleSince(c)).toISOString(),
  }));
