import type { Health } from '@switchboard/core';
import { z } from '@hono/zod-openapi';

const status = z.enum(['up', 'degraded', 'down']);

export const PartHealthSchema = z.object({ status, detail: z.string().optional() }).openapi('PartHealth');

/** A health answer; `parts` holds what a plugin watches on its own (one entry per mailbox…). */
export const HealthSchema = z
  .object({ status, detail: z.string().optional(), parts: z.record(z.string(), PartHealthSchema).optional() })
  .openapi('Health');

export type HealthJson = z.infer<typeof HealthSchema>;

/** A health answer as the API shows it: parts one level deep. */
export const healthJson = (health: Health): HealthJson => {
  const json: HealthJson = { status: health.status };
  if (health.detail !== undefined) json.detail = health.detail;
  if (health.parts !== undefined) {
    json.parts = Object.fromEntries(
      Object.entries(health.parts).map(([name, part]) => [name, part.detail === undefined ? { status: part.status } : { status: part.status, detail: part.detail }]),
    );
  }
  return json;
};

export const healthChecksJson = (checks: Record<string, Health>): Record<string, HealthJson> =>
  Object.fromEntries(Object.entries(checks).map(([name, health]) => [name, healthJson(health)]));
