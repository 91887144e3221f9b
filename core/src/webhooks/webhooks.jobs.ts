import { z } from 'zod';
import type { EventLogSession } from '../events/ports/event-log.port.js';
import { defineJob, type JobContribution } from '../shared/jobs.js';
import type { Clock } from '../shared/ports/clock.port.js';
import type { Transactions } from '../shared/ports/transactions.port.js';
import type { WebhookSession } from './ports/webhook-store.port.js';
import { isDue, WEBHOOK_DELIVER_JOB, type DeliverWebhooks } from './use-cases/deliver-webhooks.use-case.js';
import { matchesTypes, type WebhookSubscription } from './webhook-subscription.entity.js';

export const WEBHOOK_JOBS = { deliver: WEBHOOK_DELIVER_JOB, pruneAttempts: 'webhooks.prune-attempts' } as const;

const SUBSCRIPTIONS = 1000;
const PRUNE_BATCH = 5000;
// The relay reads the enabled subscriptions at most this often: a relay pass costs no round trip
// of its own. A subscription made elsewhere meanwhile gets its first job from the sweeper.
const FOLLOW_CACHE_MS = 1000;

/**
 * Webhook delivery: after each relay pass, a job per enabled subscription that one of the events
 * concerns; on every sweep, one per subscription still behind the log (a lost job, an expired
 * lease after a crash, a retry due). Attempts are kept as long as the event log.
 */
export const webhookJobs = (deps: {
  deliver: DeliverWebhooks;
  store: Transactions<WebhookSession>;
  clock: Clock;
  retentionSeconds: number;
}): JobContribution<WebhookSession & EventLogSession>[] => {
  let followed: { at: number; subscriptions: WebhookSubscription[] } | null = null;
  return [
    defineJob<{ subscriptionId: string }, WebhookSession & EventLogSession>({
      name: WEBHOOK_JOBS.deliver,
      payload: z.object({ subscriptionId: z.string().uuid() }),
      concurrency: 8,
      async handle({ subscriptionId }) {
        await deps.deliver.run(subscriptionId);
      },
      async follow(events, { session, now }) {
        const first = events[0];
        if (first === undefined) return [];
        if (followed === null || now.getTime() - followed.at >= FOLLOW_CACHE_MS || now.getTime() < followed.at) {
          followed = { at: now.getTime(), subscriptions: await session.webhooks.listEnabled(SUBSCRIPTIONS) };
        }
        // Leases and backoffs may have changed since the read: the job itself checks them.
        return followed.subscriptions
          .filter((s) => events.some((e) => matchesTypes(s.types, e.event.type)))
          .map((s) => ({ name: WEBHOOK_JOBS.deliver, payload: { subscriptionId: s.id }, jobId: `webhooks:${s.id}:events:${first.id}` }));
      },
      async sweep({ session, now, bucket }) {
        const latest = await session.eventLog.latest();
        const subscriptions = await session.webhooks.listEnabled(SUBSCRIPTIONS);
        return subscriptions
          .filter((s) => s.cursor < latest && isDue(s, now))
          .map((s) => ({ name: WEBHOOK_JOBS.deliver, payload: { subscriptionId: s.id }, jobId: `webhooks:${s.id}:sweep:${bucket}` }));
      },
    }),
    defineJob({
      name: WEBHOOK_JOBS.pruneAttempts,
      payload: z.object({}).passthrough(),
      async handle() {
        const before = new Date(deps.clock.now().getTime() - deps.retentionSeconds * 1000);
        await deps.store.transaction((s) => s.webhooks.pruneAttempts(before, PRUNE_BATCH));
      },
      async sweep({ bucket }) {
        return [{ name: WEBHOOK_JOBS.pruneAttempts, payload: {}, jobId: `webhooks:prune:${bucket}` }];
      },
    }),
  ];
};
