import type { EventLogSession } from '../../events/ports/event-log.port.js';
import { invalid } from '../../shared/domain-error.js';
import { newId } from '../../shared/ids.js';
import { lockKeys } from '../../shared/lock-keys.js';
import { allPages, type Page, type PageRequest } from '../../shared/page.js';
import type { Clock } from '../../shared/ports/clock.port.js';
import type { JobQueue } from '../../shared/ports/job-queue.port.js';
import type { Transactions } from '../../shared/ports/transactions.port.js';
import { SecretBox, SecretBoxKeyMissing } from '../../shared/secret-box.js';
import type { WebhookSession } from '../ports/webhook-store.port.js';
import type { WebhookTransport } from '../ports/webhook-transport.port.js';
import { newWebhookSecret } from '../webhook-signature.js';
import type { WebhookSettings } from '../webhook-settings.js';
import { WEBHOOK_PING_TYPE, webhookStatus, type WebhookAttempt, type WebhookStatus, type WebhookSubscription } from '../webhook-subscription.entity.js';
import { checkTypes, checkWebhookUrl, webhookNotFound } from '../webhooks.errors.js';
import { WEBHOOK_DELIVER_JOB } from './deliver-webhooks.use-case.js';
import { sendWebhook } from './send-webhook.js';

export interface CreateWebhookInput {
  url: string;
  types: string[];
  description?: string | undefined;
}

export interface UpdateWebhookInput {
  url?: string | undefined;
  types?: string[] | undefined;
  description?: string | null | undefined;
  /** `true` re-enables a disabled subscription: it resumes at the event it stopped on. */
  enabled?: boolean | undefined;
}

export interface PingResult {
  ok: boolean;
  httpStatus: number | null;
  error: string | null;
  durationMs: number;
  /** The ping's `webhook-id`. */
  id: string;
}

/** A subscription as the API shows it: everything but the secret (and the delivery lease), with its status. */
export type WebhookView = Omit<WebhookSubscription, 'secret' | 'previousSecret' | 'leaseOwner' | 'leaseUntil'> & { status: WebhookStatus };

const view = ({ secret: _secret, previousSecret: _previous, leaseOwner: _owner, leaseUntil: _until, ...rest }: WebhookSubscription): WebhookView => ({
  ...rest,
  status: webhookStatus(rest),
});

/** How long a rotated-out secret still signs by default: a day to roll the new one out. */
export const DEFAULT_ROTATION_GRACE_SECONDS = 86_400;

/** Subscriptions (admin): create, read, change, delete, test, and their delivery attempts. */
export class ManageWebhooks {
  constructor(
    private readonly store: Transactions<WebhookSession & EventLogSession>,
    private readonly clock: Clock,
    private readonly transport: WebhookTransport,
    private readonly settings: WebhookSettings,
    private readonly jobs: Pick<JobQueue, 'enqueue'>,
    /** Seals signing secrets at rest (`SWITCHBOARD_SECRET_KEY`); without a key they are stored as they are. */
    private readonly secrets: SecretBox = SecretBox.none,
  ) {}

  /** Creates a subscription that starts with the events committed from now on; the secret is answered here only. */
  async create(input: CreateWebhookInput): Promise<{ webhook: WebhookView; secret: string }> {
    const url = checkWebhookUrl(input.url, this.settings.allowPrivateNetworks);
    const types = checkTypes(input.types);
    const now = this.clock.now();
    const secret = newWebhookSecret();
    const subscription = await this.store.transaction(async (s) => {
      const created: WebhookSubscription = {
        id: newId(),
        url,
        types,
        description: input.description ?? null,
        secret: this.secrets.seal(secret),
        previousSecret: null,
        previousSecretUntil: null,
        enabled: true,
        disabledReason: null,
        cursor: await s.eventLog.latest(),
        failures: 0,
        failingSince: null,
        nextAttemptAt: null,
        lastDelivery: null,
        leaseOwner: null,
        leaseUntil: null,
        createdAt: now,
        updatedAt: now,
      };
      await s.webhooks.insert(created);
      return created;
    });
    return { webhook: view(subscription), secret };
  }

  async get(id: string): Promise<WebhookView> {
    const found = await this.store.read((s) => s.webhooks.get(id));
    if (found === null) throw webhookNotFound(id);
    return view(found);
  }

  async list(page: PageRequest): Promise<Page<WebhookView>> {
    const found = await this.store.read((s) => s.webhooks.list(page));
    return { items: found.items.map(view), nextCursor: found.nextCursor };
  }

  async update(id: string, input: UpdateWebhookInput): Promise<WebhookView> {
    if (Object.values(input).every((v) => v === undefined)) throw invalid('WEBHOOK.NOTHING_TO_CHANGE', 'name at least one of url, types, description, enabled', 'body');
    const url = input.url === undefined ? undefined : checkWebhookUrl(input.url, this.settings.allowPrivateNetworks);
    const types = input.types === undefined ? undefined : checkTypes(input.types);
    const updated = await this.store.transaction(async (s) => {
      await s.lock(lockKeys.webhook(id));
      const current = await s.webhooks.get(id);
      if (current === null) throw webhookNotFound(id);
      const now = this.clock.now();
      let next: WebhookSubscription = { ...current, updatedAt: now };
      if (url !== undefined) next.url = url;
      if (types !== undefined) next.types = types;
      if (input.description !== undefined) next.description = input.description;
      if (input.enabled === false) next = { ...next, enabled: false, disabledReason: null, nextAttemptAt: null };
      // Re-enabled, or pointed elsewhere: a fresh start for the failure count and the backoff.
      if ((input.enabled === true && !current.enabled) || (url !== undefined && url !== current.url)) {
        const enabled = input.enabled ?? current.enabled;
        next = { ...next, enabled, disabledReason: enabled ? null : next.disabledReason, failures: 0, failingSince: null, nextAttemptAt: null };
      }
      await s.webhooks.update(next);
      return next;
    });
    if (updated.enabled) await this.jobs.enqueue(WEBHOOK_DELIVER_JOB, { subscriptionId: id }, { jobId: `webhooks:${id}:changed:${updated.updatedAt.getTime()}` });
    return view(updated);
  }

  /**
   * Gives the subscription a new secret, answered here only. The old one keeps signing beside it
   * (a second signature) for `graceSeconds`, so receivers can switch without refusing a delivery;
   * 0 drops it at once (a leaked secret).
   */
  async rotateSecret(id: string, graceSeconds = DEFAULT_ROTATION_GRACE_SECONDS): Promise<{ webhook: WebhookView; secret: string }> {
    if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > 30 * 86_400) throw invalid('WEBHOOK.INVALID_GRACE', 'graceSeconds is a whole number from 0 to 2592000 (30 days)', 'graceSeconds');
    const secret = newWebhookSecret();
    const rotated = await this.store.transaction(async (s) => {
      await s.lock(lockKeys.webhook(id));
      const current = await s.webhooks.get(id);
      if (current === null) throw webhookNotFound(id);
      const now = this.clock.now();
      const next: WebhookSubscription = {
        ...current,
        secret: this.secrets.seal(secret),
        previousSecret: graceSeconds > 0 ? current.secret : null,
        previousSecretUntil: graceSeconds > 0 ? new Date(now.getTime() + graceSeconds * 1000) : null,
        updatedAt: now,
      };
      await s.webhooks.update(next);
      return next;
    });
    return { webhook: view(rotated), secret };
  }

  /**
   * Seals every stored signing secret under the current key: those stored before a key was set,
   * and those under a previous key (after `SWITCHBOARD_SECRET_KEY` changed, the old one listed in
   * `SWITCHBOARD_SECRET_KEY_PREVIOUS`). Workers run it at start; answers how many subscriptions
   * changed. A secret no configured key opens is left as it is (its deliveries fail, saying so).
   */
  async resealSecrets(): Promise<number> {
    if (this.secrets.keyId === null) return 0;
    const stored = await allPages((page) => this.store.read((s) => s.webhooks.list(page)));
    const stale = stored.filter((w) => this.secrets.needsReseal(w.secret) || (w.previousSecret !== null && this.secrets.needsReseal(w.previousSecret)));
    const reseal = (value: string) => (this.secrets.needsReseal(value) ? this.secrets.seal(this.secrets.open(value)) : value);
    let resealed = 0;
    for (const { id } of stale) {
      const changed = await this.store.transaction(async (s) => {
        await s.lock(lockKeys.webhook(id));
        const current = await s.webhooks.get(id);
        if (current === null) return false;
        let next: WebhookSubscription;
        try {
          next = { ...current, secret: reseal(current.secret), previousSecret: current.previousSecret === null ? null : reseal(current.previousSecret) };
        } catch (error) {
          if (error instanceof SecretBoxKeyMissing) return false;
          throw error;
        }
        await s.webhooks.update(next);
        return true;
      });
      if (changed) resealed += 1;
    }
    return resealed;
  }

  /**
   * Sends the events after sequence number `afterSeq` again, in order (a receiver that lost data):
   * the cursor moves back there and the failure count starts afresh. A delivery run in progress
   * finishes the attempt in flight, then starts over from the new cursor. Events older than the
   * log's retention are gone; the replay starts with the oldest still kept.
   */
  /**
   * Moves the subscription's cursor back: every event after `afterSeq`, or every event recorded
   * at or after `since` (what the log still keeps), is sent again, in order.
   */
  async replay(id: string, from: number | { since: Date }): Promise<WebhookView> {
    const updated = await this.store.transaction(async (s) => {
      await s.lock(lockKeys.webhook(id));
      const current = await s.webhooks.get(id);
      if (current === null) throw webhookNotFound(id);
      const latest = await s.eventLog.latest();
      let afterSeq: number;
      if (typeof from === 'number') {
        afterSeq = from;
        if (!Number.isInteger(afterSeq) || afterSeq < 0 || afterSeq > latest) throw invalid('WEBHOOK.INVALID_REPLAY', `afterSeq is a sequence number from 0 to ${latest} (the latest event)`, 'afterSeq');
      } else {
        if (from.since.getTime() > this.clock.now().getTime()) throw invalid('WEBHOOK.INVALID_REPLAY', 'since is in the future', 'since');
        const first = await s.eventLog.firstSeqSince(from.since);
        afterSeq = first === null ? latest : first - 1;
      }
      const next: WebhookSubscription = { ...current, cursor: afterSeq, failures: 0, failingSince: null, nextAttemptAt: null, updatedAt: this.clock.now() };
      await s.webhooks.update(next);
      return next;
    });
    if (updated.enabled) await this.jobs.enqueue(WEBHOOK_DELIVER_JOB, { subscriptionId: id }, { jobId: `webhooks:${id}:replay:${updated.updatedAt.getTime()}` });
    return view(updated);
  }

  async delete(id: string): Promise<void> {
    const deleted = await this.store.transaction(async (s) => {
      await s.lock(lockKeys.webhook(id));
      return s.webhooks.delete(id);
    });
    if (!deleted) throw webhookNotFound(id);
  }

  async attempts(id: string, page: PageRequest): Promise<Page<WebhookAttempt>> {
    return this.store.read(async (s) => {
      if ((await s.webhooks.get(id)) === null) throw webhookNotFound(id);
      return s.webhooks.listAttempts(id, page);
    });
  }

  /** Sends a signed `webhook.ping` now (disabled subscriptions too) and records the attempt; the cursor and failure count stay as they are. */
  async ping(id: string): Promise<PingResult> {
    const subscription = await this.store.read((s) => s.webhooks.get(id));
    if (subscription === null) throw webhookNotFound(id);
    const pingId = newId();
    const outcome = await sendWebhook({ transport: this.transport, clock: this.clock, settings: this.settings, secrets: this.secrets }, subscription, {
      id: pingId,
      seq: null,
      type: WEBHOOK_PING_TYPE,
      timestamp: this.clock.now(),
      data: { webhookId: id },
    });
    await this.store.transaction(async (s) => {
      if ((await s.webhooks.get(id)) === null) return;
      await s.webhooks.recordAttempt({
        id: newId(),
        subscriptionId: id,
        eventId: pingId,
        eventType: WEBHOOK_PING_TYPE,
        seq: null,
        attempt: 1,
        outcome: outcome.ok ? 'delivered' : 'failed',
        httpStatus: outcome.httpStatus,
        error: outcome.error,
        durationMs: outcome.durationMs,
        attemptedAt: this.clock.now(),
      });
    });
    return { ...outcome, id: pingId };
  }
}
