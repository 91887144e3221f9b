import type { MigrationInterface, QueryRunner } from 'typeorm';

// A key may be bound to one agent (it then acts only as that agent). Existing keys stay unbound.
export class ApiKeyAgent1795392100000 implements MigrationInterface {
  readonly name = 'ApiKeyAgent1795392100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE api_keys ADD COLUMN agent_id uuid NULL');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE api_keys DROP COLUMN agent_id');
  }
}
