import type { MigrationInterface, QueryRunner } from 'typeorm';

// Per plugin instance key/value state (an IMAP cursor per mailbox and UIDVALIDITY), and an index
// for references that name a known message on any channel (an email Message-ID seen by another
// mailbox, or our own outbound Message-ID).
export class PluginStateAndMessageIds1795440000000 implements MigrationInterface {
  readonly name = 'PluginStateAndMessageIds1795440000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE plugin_state (
      instance_id varchar(200) NOT NULL,
      key varchar(200) NOT NULL,
      value jsonb NOT NULL,
      updated_at timestamptz NOT NULL,
      CONSTRAINT pk_plugin_state PRIMARY KEY (instance_id, key)
    )`);
    await queryRunner.query('CREATE INDEX ix_interactions_external_id ON interactions (external_id) WHERE external_id IS NOT NULL');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX ix_interactions_external_id');
    await queryRunner.query('DROP TABLE plugin_state');
  }
}
