import type { MigrationInterface, QueryRunner } from 'typeorm';

// Small key/value state per plugin instance (conversation references, posted message ids, cursors).
export class PluginState1795460000000 implements MigrationInterface {
  readonly name = 'PluginState1795460000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE plugin_state (
      instance_id varchar(200) NOT NULL,
      key varchar(512) COLLATE "C" NOT NULL,
      value jsonb NOT NULL,
      updated_at timestamptz NOT NULL,
      CONSTRAINT pk_plugin_state PRIMARY KEY (instance_id, key)
    )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE plugin_state');
  }
}
