import type { MigrationInterface, QueryRunner } from 'typeorm';

// SLA verdicts (met or breached, once per conversation and target), and the indexes the SLA sweep
// and queue stats read by.
export class SlaVerdicts1795430000000 implements MigrationInterface {
  readonly name = 'SlaVerdicts1795430000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE sla_verdicts (
      conversation_id uuid NOT NULL,
      kind varchar(32) NOT NULL,
      queue_id uuid NOT NULL,
      met boolean NOT NULL,
      due_at timestamptz NOT NULL,
      decided_at timestamptz NOT NULL,
      recorded_at timestamptz NOT NULL,
      CONSTRAINT pk_sla_verdicts PRIMARY KEY (conversation_id, kind)
    )`);
    await queryRunner.query('CREATE INDEX ix_sla_verdicts_queue_decided ON sla_verdicts (queue_id, decided_at)');
    // The sweep reads a queue's conversations oldest first through ix_conversations_queue_created (scanned backwards).
    // Stats: offers and assignments of a queue within a window.
    await queryRunner.query('CREATE INDEX ix_offers_queue_created ON offers (queue_id, created_at)');
    await queryRunner.query('CREATE INDEX ix_assignments_queue_started ON assignments (queue_id, started_at)');
    await queryRunner.query('CREATE INDEX ix_assignments_conversation ON assignments (conversation_id)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX ix_assignments_conversation');
    await queryRunner.query('DROP INDEX ix_assignments_queue_started');
    await queryRunner.query('DROP INDEX ix_offers_queue_created');
    await queryRunner.query('DROP TABLE sla_verdicts');
  }
}
