import { z } from '@hono/zod-openapi';
import type { WebhookAttempt, WebhookView } from '@switchboard/core';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

const TypesSchema = z
  .array(z.string().min(1).max(100))
  .min(1)
  .max(50)
  .openapi({ example: ['conversation.*', 'offer.created'], description: 'event types, `family.*` patterns or `*`' });

export const CreateWebhookSchema = z
  .object({
    url: z.string().min(1).max(2048).openapi({ example: 'https://crm.example.com/switchboard/events' }),
    types: TypesSchema,
    description: z.string().max(500).optional(),
  })
  .strict()
  .openapi('WebhookInput');

export const UpdateWebhookSchema = z
  .object({
    url: z.string().min(1).max(2048).optional(),
    types: TypesSchema.optional(),
    description: z.string().max(500).nullable().optional(),
    enabled: z.boolean().optional().openapi({ description: '`true` re-enables a disabled subscription: it resumes at the event it stopped on' }),
  })
  .strict()
  .openapi('WebhookChange');

const LastDeliverySchema = z.object({
  at: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  outcome: z.enum(['delivered', 'failed']),
  httpStatus: z.number().int().nullable(),
  error: z.string().nullable(),
});

export const WebhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    types: z.array(z.string()),
    description: z.string().nullable(),
    enabled: z.boolean(),
    status: z.enum(['active', 'failing', 'disabled']),
    disabledReason: z.string().nullable().openapi({ description: 'Why the hub disabled the subscription (it kept failing)' }),
    failures: z.number().int().openapi({ description: 'Failed attempts in a row since the last delivery' }),
    failingSince: z.string().nullable(),
    nextAttemptAt: z.string().nullable(),
    lastDelivery: LastDeliverySchema.nullable(),
    previousSecretUntil: z.string().nullable().openapi({ description: 'After a secret rotation: until when deliveries also carry a signature with the old secret' }),
    cursor: z.number().int().openapi({ description: 'Sequence number of the last event delivered or filtered out (as in GET /v1/events)' }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Webhook');

export const webhookJson = (w: WebhookView): z.infer<typeof WebhookSchema> => ({
  id: w.id,
  url: w.url,
  types: w.types,
  description: w.description,
  enabled: w.enabled,
  status: w.status,
  disabledReason: w.disabledReason,
  failures: w.failures,
  failingSince: iso(w.failingSince),
  nextAttemptAt: iso(w.nextAttemptAt),
  lastDelivery: w.lastDelivery === null ? null : { ...w.lastDelivery, at: w.lastDelivery.at.toISOString() },
  previousSecretUntil: iso(w.previousSecretUntil),
  cursor: w.cursor,
  createdAt: w.createdAt.toISOString(),
  updatedAt: w.updatedAt.toISOString(),
});

export const WebhookAttemptSchema = z
  .object({
    id: z.string(),
    eventId: z.string().openapi({ description: 'The `webhook-id` sent: the event id, the same on every retry' }),
    eventType: z.string(),
    seq: z.number().int().nullable(),
    attempt: z.number().int(),
    outcome: z.enum(['delivered', 'failed']),
    httpStatus: z.number().int().nullable(),
    error: z.string().nullable(),
    durationMs: z.number().int(),
    attemptedAt: z.string(),
  })
  .openapi('WebhookAttempt');

export const attemptJson = (a: WebhookAttempt): z.infer<typeof WebhookAttemptSchema> => ({
  id: a.id,
  eventId: a.eventId,
  eventType: a.eventType,
  seq: a.seq,
  attempt: a.attempt,
  outcome: a.outcome,
  httpStatus: a.httpStatus,
  error: a.error,
  durationMs: a.durationMs,
  attemptedAt: a.attemptedAt.toISOString(),
});

export const PingSchema = z
  .object({ ok: z.boolean(), id: z.string(), httpStatus: z.number().int().nullable(), error: z.string().nullable(), durationMs: z.number().int() })
  .openapi('WebhookPing');
