// shared: the ground floor
export * from './shared/domain-error.js';
export * from './shared/ids.js';
export * from './shared/page.js';
export * from './shared/health.js';
export * from './shared/events.js';
export * from './shared/settings.js';
export * from './shared/lock-keys.js';
export * from './shared/group-commit.js';
export * from './shared/inbound-limits.js';
export * from './shared/jobs.js';
export * from './shared/redact.js';
export * from './shared/secret-box.js';
export * from './shared/ports/clock.port.js';
export * from './shared/ports/logger.port.js';
export * from './shared/ports/job-queue.port.js';
export * from './shared/ports/outbox.port.js';
export * from './shared/ports/plugin-state.port.js';
export * from './shared/ports/transactions.port.js';
// store: the session ports of every area, assembled
export * from './store/store.port.js';
// identity
export * from './identity/identity.value-object.js';
export * from './identity/customer.entity.js';
export * from './identity/merge-suggestion.entity.js';
export * from './identity/customer-merge.entity.js';
export * from './identity/merge-plan.js';
export * from './identity/ports/identity-store.port.js';
export * from './identity/ports/customer-lookup.port.js';
export * from './identity/use-cases/resolve-customers.use-case.js';
export * from './identity/use-cases/customer-queries.js';
export * from './identity/use-cases/customer-and-merged.js';
// ledger
export * from './ledger/conversation.entity.js';
export * from './ledger/interaction.entity.js';
export * from './ledger/hash-chain.js';
export * from './ledger/ledger-verification.js';
export * from './ledger/ledger-writer.js';
export * from './ledger/ports/ledger-store.port.js';
export * from './ledger/use-cases/ledger-queries.js';
// routing
export * from './routing/queue.entity.js';
export * from './routing/agent.entity.js';
export * from './routing/work-item.entity.js';
export * from './routing/offer.entity.js';
export * from './routing/eligibility.js';
export * from './routing/strategies.js';
export * from './routing/ports/routing-store.port.js';
export * from './routing/ports/routing-transactions.js';
export * from './routing/use-cases/resolve-queue.js';
export * from './routing/use-cases/enqueue-conversation.js';
export * from './routing/use-cases/make-offer.js';
export * from './routing/use-cases/release-conversation.js';
export * from './routing/use-cases/route-queue.use-case.js';
export * from './routing/use-cases/answer-offer.use-case.js';
export * from './routing/use-cases/manage-routing.use-case.js';
export * from './routing/use-cases/routing-queries.js';
export * from './routing/routing.jobs.js';
export * from './routing/business-hours.js';
export * from './routing/sla.js';
export * from './routing/ports/sla-store.port.js';
export * from './routing/use-cases/sla.use-case.js';
export * from './routing/sla.jobs.js';
export * from './routing/routing-settings.js';
export * from './routing/use-cases/settle-presence.js';
export * from './routing/routing-rule.entity.js';
export * from './routing/rule-matcher.js';
export * from './routing/routing-config-cache.js';
export * from './routing/relaxation.js';
export * from './routing/use-cases/manage-routing-rules.use-case.js';
// inbound: message → customer → entry → work item
export * from './inbound/ports/ingest.port.js';
export * from './inbound/use-cases/ingest-inbound.use-case.js';
// desk: what agents do, from the API or a Slack/Teams desk alike
export * from './desk/ports/desk-commands.port.js';
export * from './desk/ports/agent-desk.port.js';
export * from './desk/ports/desk-reads.port.js';
export * from './desk/ports/desk-offer-store.port.js';
export * from './desk/ports/desk-registry.port.js';
export * from './desk/use-cases/desk-commands.use-case.js';
export * from './desk/use-cases/desk-queries.js';
export * from './desk/use-cases/erase-customer.use-case.js';
export * from './desk/use-cases/desk-reads.js';
export * from './desk/use-cases/manage-customers.use-case.js';
export * from './desk/use-cases/notify-desks.use-case.js';
export * from './desk/desk.jobs.js';
// delivery
export * from './delivery/delivery.entity.js';
export * from './delivery/ports/delivery-store.port.js';
export * from './delivery/ports/channel-registry.port.js';
export * from './delivery/use-cases/deliver-outbound.use-case.js';
export * from './delivery/use-cases/mark-delivery-failed.use-case.js';
export * from './delivery/delivery.jobs.js';
// outbox: relay and sweep
export * from './outbox/use-cases/relay-outbox.use-case.js';
export * from './outbox/use-cases/sweep.use-case.js';
// access
export * from './access/api-key.entity.js';
export * from './access/ports/api-key-store.port.js';
export * from './access/ports/agent-directory.port.js';
export * from './access/api-key-secret.js';
export * from './access/use-cases/manage-api-keys.use-case.js';
// plugin API
export * from './plugin-api/define-plugin.js';
export * from './plugin-api/channel.port.js';
export * from './plugin-api/http-route.js';
export * from './plugin-api/secret.js';
export * from './plugin-api/state-retention.js';
export * from './plugin-api/crm.port.js';
export * from './crm/crm-log.entity.js';
export * from './crm/ports/crm-log-store.port.js';
export * from './crm/ports/crm-registry.port.js';
export * from './crm/use-cases/sync-crm.use-case.js';
export * from './crm/use-cases/crm-facts.js';
export * from './crm/crm.jobs.js';
export * from './plugin-api/legacy-source.port.js';
export * from './plugin-api/legacy-record-set.js';
export * from './plugin-api/blob-store.port.js';
// errors, by area
export * from './identity/identity.errors.js';
export * from './ledger/ledger.errors.js';
export * from './routing/routing.errors.js';
export * from './inbound/inbound.errors.js';
export * from './desk/desk.errors.js';
// events: the log of committed domain events that the event stream follows
export * from './events/ports/event-log.port.js';
export * from './events/use-cases/follow-events.use-case.js';
export * from './events/events.jobs.js';
export * from './outbox/outbox.jobs.js';
// dead letters (admin)
export * from './outbox/use-cases/manage-dead-letters.use-case.js';
// webhooks
export * from './webhooks/webhook-subscription.entity.js';
export * from './webhooks/webhook-signature.js';
export * from './webhooks/webhook-settings.js';
export * from './webhooks/private-network.js';
export * from './webhooks/webhooks.errors.js';
export * from './webhooks/ports/webhook-store.port.js';
export * from './webhooks/ports/webhook-transport.port.js';
export * from './webhooks/use-cases/send-webhook.js';
export * from './webhooks/use-cases/deliver-webhooks.use-case.js';
export * from './webhooks/use-cases/manage-webhooks.use-case.js';
export * from './webhooks/webhooks.jobs.js';
// migration: integrate, migrate, retire
export * from './migration/migration-run.entity.js';
export * from './migration/migration.errors.js';
export * from './migration/ports/migration-store.port.js';
export * from './migration/ports/legacy-sources.port.js';
export * from './migration/use-cases/run-migration.use-case.js';
export * from './migration/use-cases/manage-migrations.use-case.js';
export * from './migration/migration.jobs.js';
export * from './crm/use-cases/crm-queries.js';
export * from './crm/use-cases/backfill-crm.use-case.js';
// reporting: cross-channel aggregates over the ledger
export * from './reporting/ports/reporting-store.port.js';
export * from './reporting/use-cases/report-queries.js';
// portability: the whole hub out as JSON Lines, and back into an empty hub (no lock-in)
export * from './portability/ports/portability-store.port.js';
export * from './portability/export-format.js';
export * from './portability/portability.errors.js';
export * from './portability/use-cases/export-hub.use-case.js';
export * from './portability/use-cases/restore-hub.use-case.js';
