import { Clock, DeliverWebhooks, JobQueue, Logger, ManageWebhooks, SecretBox, Store, WebhookTransport, webhookJobs, type WebhookSettings } from '@switchboard/core';
import { ContainerModule } from 'inversify';
import { EVENT_RETENTION_SECONDS } from './events.module.js';
import { JobContributions, type JobContributionList } from './jobs.js';

export const WebhookSettingsToken = Symbol.for('switchboard.WebhookSettings');

/** Outbound webhooks: subscriptions (API), their delivery job and sweep (workers), over one transport. */
export const webhooksModule = (
  settings: WebhookSettings,
  transport: WebhookTransport,
  onOutcome: (outcome: 'delivered' | 'failed' | 'disabled') => void = () => {},
  secrets: SecretBox = SecretBox.none,
) =>
  new ContainerModule(({ bind }) => {
    bind<WebhookTransport>(WebhookTransport).toConstantValue(transport);
    bind(ManageWebhooks)
      .toDynamicValue((ctx) => new ManageWebhooks(ctx.get<Store>(Store), ctx.get<Clock>(Clock), transport, settings, ctx.get<JobQueue>(JobQueue), secrets))
      .inSingletonScope();
    bind(DeliverWebhooks)
      .toDynamicValue(
        (ctx) => new DeliverWebhooks(ctx.get<Store>(Store), ctx.get<Clock>(Clock), transport, settings, ctx.get<JobQueue>(JobQueue), ctx.get<Logger>(Logger).child({ area: 'webhooks' }), onOutcome, secrets),
      )
      .inSingletonScope();
    bind<JobContributionList>(JobContributions)
      .toDynamicValue((ctx) => webhookJobs({ deliver: ctx.get(DeliverWebhooks), store: ctx.get<Store>(Store), clock: ctx.get<Clock>(Clock), retentionSeconds: EVENT_RETENTION_SECONDS }))
      .inSingletonScope();
  });
