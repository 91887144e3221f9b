import type { MigrationInterface, QueryRunner } from 'typeorm';

// Outbound webhook subscriptions (each with its cursor in the event log) and their delivery attempts.
export class Webhooks1795530000000 implements MigrationInterface {
  readonly name = 'Webhooks1795530000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE webhook_subscriptions (
      id uuid NOT NULL,
      url varchar(2048) NOT NULL,
      types jsonb NOT NULL,
      description varchar(500),
      secret varchar(200) NOT NULL,
      previous_secret varchar(200),
      previous_secret_until timestamptz,
      enabled boolean NOT NULL,
      disabled_reason text,
      cursor_seq bigint NOT NULL,
      failures integer NOT NULL DEFAULT 0,
      failing_since timestamptz,
      next_attempt_at timestamptz,
      last_delivery jsonb,
      lease_owner uuid,
      lease_until timestamptz,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      CONSTRAINT pk_webhook_subscriptions PRIMARY KEY (id)
    )`);
    await queryRunner.query('CREATE INDEX ix_webhook_subscriptions_created ON webhook_subscriptions (created_at, id)');
    await queryRunner.query(`CREATE TABLE webhook_attempts (
      id uuid NOT NULL,
      subscription_id uuid NOT NULL,
      event_id uuid NOT NULL,
      event_type varchar(64) NOT NULL,
      seq bigint,
      attempt integer NOT NULL,
      outcome varchar(16) NOT NULL,
      http_status integer,
      error text,
      duration_ms integer NOT NULL,
      attempted_at timestamptz NOT NULL,
      CONSTRAINT pk_webhook_attempts PRIMARY KEY (id),
      CONSTRAINT fk_webhook_attempts_subscription FOREIGN KEY (subscription_id) REFERENCES webhook_subscriptions (id) ON DELETE CASCADE
    )`);
    await queryRunner.query('CREATE INDEX ix_webhook_attempts_subscription ON webhook_attempts (subscription_id, attempted_at DESC, id DESC)');
    await queryRunner.query('CREATE INDEX ix_webhook_attempts_attempted ON webhook_attempts (attempted_at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE webhook_attempts');
    await queryRunner.query('DROP TABLE webhook_subscriptions');
  }
}
