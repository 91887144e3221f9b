import type { MigrationInterface, QueryRunner } from 'typeorm';

// Where each ledger entry stands on each CRM instance's timeline (ids only: no personal data).
export class CrmLog1795540000000 implements MigrationInterface {
  readonly name = 'CrmLog1795540000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE crm_log (
      instance_id varchar(200) NOT NULL,
      interaction_id uuid NOT NULL,
      position bigserial NOT NULL,
      customer_id uuid NOT NULL,
      conversation_id uuid NOT NULL,
      kind varchar(16) NOT NULL,
      status varchar(16) NOT NULL,
      attempts integer NOT NULL DEFAULT 0,
      lease_until timestamptz,
      contact_id varchar(200),
      activity_id varchar(200),
      last_error text,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      CONSTRAINT pk_crm_log PRIMARY KEY (instance_id, interaction_id)
    )`);
    await queryRunner.query(`CREATE INDEX ix_crm_log_open ON crm_log (instance_id, customer_id, position) WHERE status IN ('pending', 'sending')`);
    await queryRunner.query('CREATE INDEX ix_crm_log_customer ON crm_log (customer_id)');
    await queryRunner.query('CREATE INDEX ix_crm_log_status ON crm_log (instance_id, status, updated_at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE crm_log');
  }
}
