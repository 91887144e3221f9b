import type { EventLogSession, LoggedEvent } from '../../events/ports/event-log.port.js';
import { newId } from '../../shared/ids.js';
import { lockKeys } from '../../shared/lock-keys.js';
import type { Clock } from '../../shared/ports/clock.port.js';
import type { JobQueue } from '../../shared/ports/job-queue.port.js';
import type { Logger } from '../../shared/ports/logger.port.js';
import type { Transactions } from '../../shared/ports/transactions.port.js';
import { SecretBox } from '../../shared/secret-box.js';
import type { WebhookSession } from '../ports/webhook-store.port.js';
import type { WebhookTransport } from '../ports/webhook-transport.port.js';
import { leaseMs, retryDelayMs, type WebhookSettings } from '../webhook-settings.js';
import { matchesTypes, type WebhookSubscription } from '../webhook-subscription.entity.js';
import { sendWebhook, type SendOutcome, type WebhookMessage } from './send-webhook.js';

export const WEBHOOK_DELIVER_JOB = 'webhooks.deliver';
const BATCH = 100;
// A retry job may fire a little early (timer granularity): it still counts as due.
const EARLY_MS = 500;

export const webhookMessage = (event: LoggedEvent): WebhookMessage => {
  const { type: _type, ...data } = event.event;
  return { id: event.id, seq: event.seq, type: event.type, timestamp: event.recordedAt, data };
};

/** Whether a delivery run may take the subscription now: enabled, not held by a live run, not backing off. */
export const isDue = (s: WebhookSubscription, now: Date, owner: string | null = null): boolean =>
  s.enabled &&
  (s.leaseOwner === null || s.leaseOwner === owner || s.leaseUntil === null || s.leaseUntil <= now) &&
  (s.nextAttemptAt === null || s.nextAttemptAt.getTime() - EARLY_MS <= now.getTime());

/** `persisted`: the cursor this run last stored; a stored cursor that differs was moved by someone else (a replay). */
type Drained = { kind: 'drained'; cursor: number; persisted: number } | { kind: 'stopped' } | { kind: 'rewound' };

/**
 * Delivers a subscription's events in log order, one at a time, at least once. A run holds the
 * subscription by a lease (renewed at every step), so two workers never send its events side by
 * side; a killed worker's lease runs out and the sweeper's next job carries on from the stored
 * cursor. A failed attempt is recorded, backs off exponentially (a delayed job, and the sweeper
 * should the queue lose it) and after `disableAfterFailures` in a row disables the subscription
 * with the reason; the cursor stays on the event, so nothing is skipped.
 */
export class DeliverWebhooks {
  constructor(
    private readonly store: Transactions<WebhookSession & EventLogSession>,
    private readonly clock: Clock,
    private readonly transport: WebhookTransport,
    private readonly settings: WebhookSettings,
    private readonly jobs: Pick<JobQueue, 'enqueue'>,
    private readonly logger: Logger,
    /** Told each attempt's outcome (metrics). */
    private readonly onOutcome: (outcome: 'delivered' | 'failed' | 'disabled') => void = () => {},
    /** Opens the signing secrets sealed at rest. */
    private readonly secrets: SecretBox = SecretBox.none,
  ) {}

  async run(subscriptionId: string): Promise<void> {
    const owner = newId();
    for (;;) {
      const subscription = await this.claim(subscriptionId, owner);
      if (subscription === null) return;
      const drained = await this.drain(subscription, owner);
      if (drained.kind === 'stopped') return;
      // A replay moved the cursor back: start again from there (the lease is still this run's).
      if (drained.kind === 'rewound') continue;
      const stored = await this.release(subscriptionId, owner, drained.cursor, drained.persisted);
      // A job for an event that committed while this run held the lease found it held and left:
      // look once more after letting go, so such an event never waits for the sweeper.
      if (stored === null || (await this.store.read((s) => s.eventLog.latest())) <= stored) return;
    }
  }

  private claim(id: string, owner: string): Promise<WebhookSubscription | null> {
    return this.store.transaction(async (s) => {
      await s.lock(lockKeys.webhook(id));
      const current = await s.webhooks.get(id);
      const now = this.clock.now();
      if (current === null || !isDue(current, now, owner)) return null;
      const claimed: WebhookSubscription = { ...current, leaseOwner: owner, leaseUntil: new Date(now.getTime() + leaseMs(this.settings)) };
      await s.webhooks.update(claimed);
      return claimed;
    });
  }

  /** Lets go of the lease, storing the cursor unless a replay moved it meanwhile; answers the stored cursor. */
  private release(id: string, owner: string, cursor: number, persisted: number): Promise<number | null> {
    return this.store.transaction(async (s) => {
      await s.lock(lockKeys.webhook(id));
      const current = await s.webhooks.get(id);
      if (current === null || current.leaseOwner !== owner) return null;
      const stored = current.cursor === persisted ? Math.max(current.cursor, cursor) : current.cursor;
      await s.webhooks.update({ ...current, cursor: stored, leaseOwner: null, leaseUntil: null, updatedAt: this.clock.now() });
      return stored;
    });
  }

  private async drain(start: WebhookSubscription, owner: string): Promise<Drained> {
    let subscription = start;
    let cursor = start.cursor;
    let persisted = start.cursor;
    for (;;) {
      const events = await this.store.read((s) => s.eventLog.after(cursor, null, BATCH));
      if (events.length === 0) return { kind: 'drained', cursor, persisted };
      for (const event of events) {
        // Filtered out: passed over, stored with the next write.
        if (!matchesTypes(subscription.types, event.type)) {
          cursor = event.seq;
          continue;
        }
        const attempt = subscription.failures + 1;
        const outcome = await sendWebhook({ transport: this.transport, clock: this.clock, settings: this.settings, secrets: this.secrets }, subscription, webhookMessage(event));
        const next = await this.settle({ id: subscription.id, owner, event, attempt, outcome, persisted, cursor });
        if (next === null) return { kind: 'stopped' };
        if (next === 'rewound') return { kind: 'rewound' };
        this.onOutcome(outcome.ok ? 'delivered' : next.enabled ? 'failed' : 'disabled');
        subscription = next;
        if (!outcome.ok) {
          if (next.enabled && next.nextAttemptAt) {
            const delayMs = Math.max(0, next.nextAttemptAt.getTime() - this.clock.now().getTime());
            await this.jobs.enqueue(WEBHOOK_DELIVER_JOB, { subscriptionId: next.id }, { jobId: `webhooks:${next.id}:retry:${event.id}:${next.failures}`, delayMs });
            this.logger.info({ webhookId: next.id, eventId: event.id, failures: next.failures, retryInMs: delayMs, reason: outcome.error }, 'webhook delivery failed; retrying');
          } else {
            this.logger.warn({ webhookId: next.id, eventId: event.id, failures: next.failures, reason: next.disabledReason }, 'webhook subscription disabled: it kept failing');
          }
          return { kind: 'stopped' };
        }
        cursor = event.seq;
        persisted = event.seq;
      }
    }
  }

  /**
   * Records one attempt and what follows from it, under the subscription's lock: the cursor moves
   * on after a success; a failure backs off or disables; a replay meanwhile (`rewound`) or a lost
   * lease stops this pass.
   */
  private settle(input: { id: string; owner: string; event: LoggedEvent; attempt: number; outcome: SendOutcome; persisted: number; cursor: number }): Promise<WebhookSubscription | 'rewound' | null> {
    const { id, owner, event, attempt, outcome, persisted, cursor } = input;
    return this.store.transaction(async (s) => {
      await s.lock(lockKeys.webhook(id));
      const current = await s.webhooks.get(id);
      if (current === null) return null;
      const now = this.clock.now();
      await s.webhooks.recordAttempt({
        id: newId(),
        subscriptionId: current.id,
        eventId: event.id,
        eventType: event.type,
        seq: event.seq,
        attempt,
        outcome: outcome.ok ? 'delivered' : 'failed',
        httpStatus: outcome.httpStatus,
        error: outcome.error,
        durationMs: outcome.durationMs,
        attemptedAt: now,
      });
      // Taken over (this run outlived its lease), or disabled meanwhile: stop here, and let go
      // of the lease, so a re-enable soon after is served at once.
      if (current.leaseOwner !== owner) return null;
      const rewound = current.cursor !== persisted;
      if (!current.enabled) {
        // What the receiver took still counts: it is not sent again after a re-enable.
        const kept = rewound ? current.cursor : outcome.ok ? event.seq : Math.max(current.cursor, cursor);
        await s.webhooks.update({ ...current, cursor: kept, leaseOwner: null, leaseUntil: null });
        return null;
      }
      if (rewound) {
        await s.webhooks.update({ ...current, leaseUntil: new Date(now.getTime() + leaseMs(this.settings)) });
        return 'rewound' as const;
      }
      const lastDelivery = { at: now, eventId: event.id, eventType: event.type, outcome: outcome.ok ? ('delivered' as const) : ('failed' as const), httpStatus: outcome.httpStatus, error: outcome.error };
      let updated: WebhookSubscription;
      if (outcome.ok) {
        updated = { ...current, cursor: event.seq, failures: 0, failingSince: null, nextAttemptAt: null, lastDelivery, leaseUntil: new Date(now.getTime() + leaseMs(this.settings)), updatedAt: now };
      } else {
        const failures = current.failures + 1;
        const failingSince = current.failingSince ?? now;
        const disable = failures >= this.settings.disableAfterFailures;
        updated = {
          ...current,
          cursor: Math.max(current.cursor, cursor),
          failures,
          failingSince,
          nextAttemptAt: disable ? null : new Date(now.getTime() + retryDelayMs(this.settings, failures)),
          lastDelivery,
          enabled: !disable,
          disabledReason: disable ? `disabled after ${failures} failed attempts in a row since ${failingSince.toISOString()}; last: ${outcome.error ?? 'failed'}` : null,
          leaseOwner: null,
          leaseUntil: null,
          updatedAt: now,
        };
      }
      await s.webhooks.update(updated);
      return updated;
    });
  }
}
