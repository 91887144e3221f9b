import type { MigrationInterface, QueryRunner } from 'typeorm';

// Migration runs from legacy sources: the run (checkpoint and counters as jsonb, rewritten with each
// batch in the batch's transaction), its failed rows, the external-id map that makes re-runs
// idempotent, and per source the delta watermark and the cutover.
export class MigrationRuns1795500000000 implements MigrationInterface {
  readonly name = 'MigrationRuns1795500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE migration_runs (
      id uuid PRIMARY KEY,
      source varchar(200) NOT NULL,
      system varchar(64),
      mode varchar(8) NOT NULL,
      dry_run boolean NOT NULL,
      sample integer,
      cutover boolean NOT NULL DEFAULT false,
      status varchar(16) NOT NULL,
      cancel_requested boolean NOT NULL DEFAULT false,
      checkpoint jsonb NOT NULL,
      start_watermark text,
      counters jsonb NOT NULL,
      progress jsonb NOT NULL,
      error text,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      finished_at timestamptz
    )`);
    await queryRunner.query('CREATE INDEX ix_migration_runs_created ON migration_runs (created_at DESC, id DESC)');
    await queryRunner.query(`CREATE INDEX ix_migration_runs_running ON migration_runs (source) WHERE status = 'running'`);
    await queryRunner.query(`CREATE TABLE migration_failures (
      id bigserial PRIMARY KEY,
      run_id uuid NOT NULL REFERENCES migration_runs (id) ON DELETE CASCADE,
      entity varchar(16) NOT NULL,
      source_id text NOT NULL,
      reason text NOT NULL,
      outcome varchar(8) NOT NULL
    )`);
    await queryRunner.query('CREATE INDEX ix_migration_failures_run ON migration_failures (run_id, id)');
    await queryRunner.query(`CREATE TABLE legacy_map (
      external_id text COLLATE "C" PRIMARY KEY,
      system varchar(64) NOT NULL,
      entity varchar(16) NOT NULL,
      hub_id uuid,
      content_hash char(64) NOT NULL,
      data jsonb NOT NULL,
      run_id uuid NOT NULL,
      updated_at timestamptz NOT NULL
    )`);
    await queryRunner.query('CREATE INDEX ix_legacy_map_entity ON legacy_map (system, entity)');
    await queryRunner.query('CREATE INDEX ix_legacy_map_hub ON legacy_map (hub_id, entity) WHERE hub_id IS NOT NULL');
    await queryRunner.query(`CREATE TABLE migration_sources (
      source varchar(200) PRIMARY KEY,
      watermark text,
      retired_at timestamptz,
      last_run_id uuid,
      last_sync_at timestamptz,
      updated_at timestamptz NOT NULL
    )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE migration_sources');
    await queryRunner.query('DROP TABLE legacy_map');
    await queryRunner.query('DROP TABLE migration_failures');
    await queryRunner.query('DROP TABLE migration_runs');
  }
}
