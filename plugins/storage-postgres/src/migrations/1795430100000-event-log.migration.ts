import type { MigrationInterface, QueryRunner } from 'typeorm';

// The log of committed domain events that the event stream follows, by sequence (commit order).
export class EventLog1795430100000 implements MigrationInterface {
  readonly name = 'EventLog1795430100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE event_log (
      seq bigserial NOT NULL,
      id uuid NOT NULL,
      type varchar(64) NOT NULL,
      event jsonb NOT NULL,
      recorded_at timestamptz NOT NULL,
      CONSTRAINT pk_event_log PRIMARY KEY (seq),
      CONSTRAINT uq_event_log_id UNIQUE (id)
    )`);
    // Retention prunes by age.
    await queryRunner.query('CREATE INDEX ix_event_log_recorded ON event_log (recorded_at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE event_log');
  }
}
