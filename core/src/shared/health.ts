export type HealthStatus = 'up' | 'degraded' | 'down';
export interface Health {
  status: HealthStatus;
  detail?: string;
  /** The health of the parts a plugin watches on its own (one entry per mailbox, per workspace…). */
  parts?: Record<string, Health>;
}
