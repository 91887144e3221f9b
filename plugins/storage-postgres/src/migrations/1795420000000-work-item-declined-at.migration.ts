import type { MigrationInterface, QueryRunner } from 'typeorm';

// When the last agent declined a work item (or let its offer expire): the agents who declined are
// kept out while others are eligible, and may see the item again only after a cool-down.
const UP: readonly string[] = [`ALTER TABLE work_items ADD COLUMN declined_at timestamptz NULL`];

const DOWN: readonly string[] = ['ALTER TABLE work_items DROP COLUMN declined_at'];

export class WorkItemDeclinedAt1795420000000 implements MigrationInterface {
  readonly name = 'WorkItemDeclinedAt1795420000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of UP) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of DOWN) await queryRunner.query(statement);
  }
}
