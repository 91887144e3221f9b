import type { MigrationInterface, QueryRunner } from 'typeorm';

// The explainer's "why this agent": the rule that picked the winner and the ranked candidates.
const UP: readonly string[] = [`ALTER TABLE routing_decisions ADD COLUMN rule varchar(64) NULL, ADD COLUMN candidates jsonb NULL`];

const DOWN: readonly string[] = ['ALTER TABLE routing_decisions DROP COLUMN candidates, DROP COLUMN rule'];

export class RoutingDecisionCandidates1795420200000 implements MigrationInterface {
  readonly name = 'RoutingDecisionCandidates1795420200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of UP) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of DOWN) await queryRunner.query(statement);
  }
}
