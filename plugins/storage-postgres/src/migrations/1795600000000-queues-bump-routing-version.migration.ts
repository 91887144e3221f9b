import type { MigrationInterface, QueryRunner } from 'typeorm';

// Ingest keeps the queues it sends to in memory beside the compiled routing rules, under the
// rules' version: every write to queues bumps that version too, in its own transaction, so each
// process reads the queues again after a change made anywhere. A trigger rather than the use
// cases, so that no path that writes queues (API, restore, a later one) can forget it.
const UP: readonly string[] = [
  `CREATE FUNCTION routing_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    UPDATE routing_rule_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
  END
  $$`,
  `CREATE TRIGGER queues_bump_routing_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON queues
     FOR EACH STATEMENT EXECUTE FUNCTION routing_version_bump()`,
];

const DOWN: readonly string[] = ['DROP TRIGGER queues_bump_routing_version ON queues', 'DROP FUNCTION routing_version_bump()'];

export class QueuesBumpRoutingVersion1795600000000 implements MigrationInterface {
  readonly name = 'QueuesBumpRoutingVersion1795600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of UP) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of DOWN) await queryRunner.query(statement);
  }
}
