import type { MigrationInterface, QueryRunner } from 'typeorm';

// conversations.list({ assignedTo }) (an agent's desk: its assigned work, newest first) would
// otherwise walk the whole newest-first index to find one agent's few rows. Only conversations
// assigned now carry an agent, so the partial index stays as small as the work in progress.
const UP: readonly string[] = [
  `CREATE INDEX ix_conversations_assignee_created ON conversations (assignment_agent_id, created_at DESC, id DESC) WHERE assignment_agent_id IS NOT NULL`,
];

const DOWN: readonly string[] = ['DROP INDEX ix_conversations_assignee_created'];

export class ConversationsAssigneeIndex1795392000000 implements MigrationInterface {
  readonly name = 'ConversationsAssigneeIndex1795392000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of UP) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of DOWN) await queryRunner.query(statement);
  }
}
