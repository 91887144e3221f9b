import type { MigrationInterface, QueryRunner } from 'typeorm';

// References that name a known message on any channel (an email Message-ID another mailbox
// received, or one we sent): findConversationsByRefs with channel null looks up external_id alone.
export class MessageIdIndex1795440000000 implements MigrationInterface {
  readonly name = 'MessageIdIndex1795440000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE INDEX ix_interactions_external_id ON interactions (external_id) WHERE external_id IS NOT NULL');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX ix_interactions_external_id');
  }
}
