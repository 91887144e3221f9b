import { z } from 'zod';
import { DomainError, IDENTITY_KINDS, INBOUND_LIMITS, silentLogger, systemClock, tryIdentityOf } from '@switchboard/core';
import type { Clock, IngestPort, InboundMessage, Logger, PluginHttpResponse, PluginHttpRoute } from '@switchboard/core';
import { verifyWebhook, WebhookVerificationError } from './webhook-signature.js';

export const INBOUND_BODY_LIMIT = 1024 * 1024;
export const INBOUND_TOLERANCE_SECONDS = 300;

// The same limits as the hub's own POST /v1/inbound (and the ingest use case).
export const inboundBodySchema = z.object({
  externalId: z.string().trim().min(1).max(INBOUND_LIMITS.externalId),
  from: z.object({
    kind: z.enum(IDENTITY_KINDS),
    value: z.string().min(1).max(INBOUND_LIMITS.fromValue),
    name: z.string().max(INBOUND_LIMITS.fromName).optional(),
  }),
  threadRef: z.string().min(1).max(INBOUND_LIMITS.threadRef).optional(),
  // More identities the sender gave (a chat visitor who leaves an email address).
  identities: z
    .array(z.object({ kind: z.enum(IDENTITY_KINDS), value: z.string().min(1).max(INBOUND_LIMITS.fromValue) }))
    .max(INBOUND_LIMITS.identities)
    .optional(),
  subject: z.string().max(INBOUND_LIMITS.subject).optional(),
  text: z.string().max(INBOUND_LIMITS.text),
  html: z.string().max(INBOUND_LIMITS.html).optional(),
  occurredAt: z.iso.datetime({ offset: true }).optional(),
  attachments: z
    .array(
      z.object({
        name: z.string().min(1).max(INBOUND_LIMITS.attachmentName),
        contentType: z.string().min(1).max(INBOUND_LIMITS.attachmentContentType),
        size: z.number().int().nonnegative().optional(),
        url: z.url({ protocol: /^https?$/ }).optional(),
      }),
    )
    .max(INBOUND_LIMITS.attachments)
    .optional(),
});
export type InboundBody = z.infer<typeof inboundBodySchema>;

export interface InboundRouteOptions {
  instanceId: string;
  /** The channel recorded on every message received here. */
  channel: string;
  /** Without it the route answers 404: inbound is disabled. */
  inboundSecret?: string | undefined;
  ingest: IngestPort;
  clock?: Clock;
  logger?: Logger;
  toleranceSeconds?: number;
}

interface FieldError {
  field: string;
  message: string;
}

const PROBLEM_TYPE_BASE = 'urn:switchboard:problem:';

const problem = (status: number, slug: string, title: string, detail: string, errors?: FieldError[]): PluginHttpResponse => ({
  status,
  headers: { 'content-type': 'application/problem+json' },
  body: { type: `${PROBLEM_TYPE_BASE}${slug}`, title, status, detail, ...(errors === undefined ? {} : { errors }) },
});

const invalidFields = (errors: FieldError[]): PluginHttpResponse =>
  problem(422, 'validation', 'Invalid message', errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);

const fieldOf = (path: readonly PropertyKey[]): string => path.map(String).join('.') || '(body)';

const parseJson = (raw: Uint8Array): { ok: true; value: unknown } | { ok: false; detail: string } => {
  try {
    // fatal: invalid UTF-8 is malformed input, not something to repair with U+FFFD.
    return { ok: true, value: JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw)) };
  } catch (error) {
    return { ok: false, detail: error instanceof Error ? error.message : 'the body is not valid JSON' };
  }
};

const toInboundMessage = (body: InboundBody, options: InboundRouteOptions): InboundMessage => {
  // identityOf throws a DomainError naming the field; its normalised value is what ingest keys on.
  // A phone number goes as given: a national one needs the hub's default region, which ingest applies
  // (and refuses an invalid number with the same field named).
  const checked = tryIdentityOf(body.from.kind, body.from.value, 'from.value');
  if (!checked.ok && body.from.kind !== 'phone') throw checked.error;
  const identity = checked.ok ? checked.key : body.from;
  return {
    channel: options.channel,
    externalId: body.externalId,
    from: { kind: identity.kind, value: identity.value, ...(body.from.name === undefined ? {} : { name: body.from.name }) },
    threadRefs: body.threadRef === undefined ? [] : [body.threadRef],
    ...(body.identities === undefined ? {} : { identities: body.identities }),
    subject: body.subject,
    text: body.text,
    html: body.html,
    occurredAt: body.occurredAt === undefined ? undefined : new Date(body.occurredAt),
    attachments: body.attachments,
    sourcePlugin: options.instanceId,
  };
};

/**
 * `POST /inbound`: a message from any system that can send a Standard Webhooks signed request.
 * The hub mounts it at `/plugins/{instanceId}/inbound`.
 */
export const createInboundRoute = (options: InboundRouteOptions): PluginHttpRoute => {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const tolerance = options.toleranceSeconds ?? INBOUND_TOLERANCE_SECONDS;

  return {
    method: 'POST',
    path: '/inbound',
    bodyLimit: INBOUND_BODY_LIMIT,
    async handle(request) {
      const secret = options.inboundSecret;
      if (secret === undefined) {
        return problem(404, 'inbound-disabled', 'inbound disabled', `channel instance '${options.instanceId}' has no inboundSecret configured`);
      }

      // Verify before parsing: nothing unauthenticated reaches the JSON parser or the ledger.
      try {
        verifyWebhook({ headers: request.headers, rawBody: request.rawBody, secret, toleranceSeconds: tolerance, now: clock.now() });
      } catch (error) {
        if (!(error instanceof WebhookVerificationError)) throw error;
        logger.warn({ instanceId: options.instanceId, reason: error.reason }, 'inbound webhook rejected');
        return problem(401, 'invalid-signature', 'Invalid webhook signature', error.message);
      }

      const json = parseJson(request.rawBody);
      if (!json.ok) return problem(400, 'malformed-json', 'Malformed JSON', json.detail);

      const parsed = inboundBodySchema.safeParse(json.value);
      if (!parsed.success) {
        return invalidFields(parsed.error.issues.map((issue) => ({ field: fieldOf(issue.path), message: issue.message })));
      }

      try {
        const result = await options.ingest.ingest(toInboundMessage(parsed.data, options));
        return { status: 202, headers: { 'content-type': 'application/json' }, body: result };
      } catch (error) {
        // Other kinds go to the hub's one error mapper.
        if (error instanceof DomainError && error.kind === 'invalid') {
          return invalidFields([{ field: error.field ?? '(body)', message: error.message }]);
        }
        throw error;
      }
    },
  };
};
