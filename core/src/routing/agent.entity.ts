export const PRESENCES = ['available', 'busy', 'away', 'offline'] as const;
export type Presence = (typeof PRESENCES)[number];

export interface AgentCapacity {
  units: number;
  perChannel: Record<string, number>;
}

export interface Agent {
  id: string;
  name: string;
  email: string | null;
  /** Skill → level 1–5. */
  skills: Record<string, number>;
  capacity: AgentCapacity;
  presence: Presence;
  presenceSince: Date;
  desk: { slack?: string | undefined; teams?: string | undefined };
  /** When the agent last received an offer: drives longest-idle and round-robin. */
  lastOfferAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export const DEFAULT_CAPACITY_UNITS = 100;

/** What an agent has on its plate: pending offers and active assignments. */
export interface AgentLoad {
  units: number;
  perChannel: Record<string, number>;
}
export const emptyLoad = (): AgentLoad => ({ units: 0, perChannel: {} });
