import type { MigrationInterface, QueryRunner } from 'typeorm';

// A queue's aging rule: waiting raises an item's effective priority step by step, so nothing starves.
const UP: readonly string[] = [`ALTER TABLE queues ADD COLUMN aging jsonb NULL`];

const DOWN: readonly string[] = ['ALTER TABLE queues DROP COLUMN aging'];

export class QueueAging1795420100000 implements MigrationInterface {
  readonly name = 'QueueAging1795420100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of UP) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of DOWN) await queryRunner.query(statement);
  }
}
