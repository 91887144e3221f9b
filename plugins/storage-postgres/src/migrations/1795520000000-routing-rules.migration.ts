import type { MigrationInterface, QueryRunner } from 'typeorm';

// Routing rules (ordered, first match wins) with a version every change bumps, so each process's
// compiled copy knows when to re-read; queues' optional skills and relaxation steps; the optional
// skills and relaxation step reached on each work item.
const UP: readonly string[] = [
  `CREATE TABLE routing_rules (
    id uuid NOT NULL,
    name varchar(200) NOT NULL,
    position int NOT NULL,
    enabled boolean NOT NULL,
    match jsonb NOT NULL,
    actions jsonb NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CONSTRAINT pk_routing_rules PRIMARY KEY (id)
  )`,
  'CREATE INDEX ix_routing_rules_position ON routing_rules (position, id)',
  `CREATE TABLE routing_rule_version (
    id smallint NOT NULL DEFAULT 1,
    version bigint NOT NULL,
    CONSTRAINT pk_routing_rule_version PRIMARY KEY (id),
    CONSTRAINT ck_routing_rule_version_one_row CHECK (id = 1)
  )`,
  'INSERT INTO routing_rule_version (id, version) VALUES (1, 0)',
  `ALTER TABLE queues ADD COLUMN optional_skills jsonb NOT NULL DEFAULT '{}'::jsonb, ADD COLUMN relaxation jsonb NULL`,
  `ALTER TABLE work_items ADD COLUMN optional_skills jsonb NOT NULL DEFAULT '{}'::jsonb, ADD COLUMN relaxation_step int NOT NULL DEFAULT 0`,
];

const DOWN: readonly string[] = [
  'ALTER TABLE work_items DROP COLUMN relaxation_step, DROP COLUMN optional_skills',
  'ALTER TABLE queues DROP COLUMN relaxation, DROP COLUMN optional_skills',
  'DROP TABLE routing_rule_version',
  'DROP TABLE routing_rules',
];

export class RoutingRules1795520000000 implements MigrationInterface {
  readonly name = 'RoutingRules1795520000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of UP) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of DOWN) await queryRunner.query(statement);
  }
}
