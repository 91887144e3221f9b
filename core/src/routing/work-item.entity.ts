/** A conversation waiting in a queue for an agent; gone once assigned. */
export interface WorkItem {
  conversationId: string;
  queueId: string;
  priority: number;
  channel: string;
  skills: Record<string, number>;
  /** Skills required until a relaxation step drops them (`dropOptionalSkills`). */
  optionalSkills: Record<string, number>;
  /** The last relaxation step recorded for the item (0: none yet). */
  relaxationStep: number;
  cost: number;
  state: 'waiting' | 'offered';
  enqueuedAt: Date;
  /** Agents who declined or let an offer expire: not offered again while others are eligible. */
  excludedAgents: string[];
  /** When the last agent declined or let an offer expire: decliners may see the item again after a cool-down. */
  declinedAt: Date | null;
  /** Why the item waits, as of the last routing pass. */
  reasons: WaitReason[];
  updatedAt: Date;
}

export type WaitReasonCode = 'nobody_available' | 'no_skilled_agent' | 'all_at_capacity' | 'outside_hours' | 'declined_by_all' | 'relaxation_step';
export interface WaitReason {
  code: WaitReasonCode;
  detail: string;
  /** `relaxation_step`: the step reached (1-based) and what the steps so far widened. */
  step?: number | undefined;
  widened?: string[] | undefined;
}
