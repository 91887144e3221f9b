export type OfferStatus = 'pending' | 'accepted' | 'declined' | 'expired' | 'rescinded';

/** A work item reserved for one agent until answered or expired. */
export interface Offer {
  id: string;
  conversationId: string;
  agentId: string;
  queueId: string;
  channel: string;
  cost: number;
  status: OfferStatus;
  createdAt: Date;
  expiresAt: Date;
  answeredAt: Date | null;
  reason: string | null;
}

/** An agent working a conversation; counts against capacity until ended. */
export interface Assignment {
  id: string;
  conversationId: string;
  agentId: string;
  queueId: string | null;
  channel: string;
  cost: number;
  startedAt: Date;
  endedAt: Date | null;
}

/** One recorded routing decision, for "why is this item still waiting?". */
export interface RoutingDecision {
  id: string;
  conversationId: string;
  queueId: string | null;
  at: Date;
  outcome: 'queued' | 'offered' | 'accepted' | 'declined' | 'expired' | 'rescinded' | 'transferred' | 'relaxed';
  agentId: string | null;
  detail: string;
  /**
   * For an offer by the router: the rule that picked the winner (a strategy, `sticky`, `after-decline-cooldown`, `on-available`);
   * for `queued`, the routing rule that matched (`routing-rule:<id>`); for `relaxed`, `relaxation_step:<n>`.
   */
  rule?: string | null | undefined;
  /** For an offer by the router: the eligible agents at decision time, best first (at most 10). */
  candidates?: RankedCandidate[] | null | undefined;
}

/** One eligible agent as the router ranked it. */
export interface RankedCandidate {
  agentId: string;
  name: string;
  rank: number;
  unitsInUse: number;
  freeUnits: number;
  /** Summed levels of the item's required skills. */
  skillScore: number;
  /** Its last offer, or when it became available. */
  idleSince: string;
}
