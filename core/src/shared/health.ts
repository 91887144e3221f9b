export type HealthStatus = 'up' | 'degraded' | 'down';
export interface Health {
  status: HealthStatus;
  detail?: string;
}
