import type { MigrationInterface, QueryRunner } from 'typeorm';

// `hops` meant hand-overs; the API means channel hops by it. Hand-overs move to `handoffs`, and
// `hops` is counted again from the ledger: each inbound or outbound message on another channel than
// the message before it in its conversation. Entries are not touched (the ledger is append-only).
const UP: readonly string[] = [
  `ALTER TABLE conversations RENAME COLUMN hops TO handoffs`,
  `ALTER TABLE conversations ADD COLUMN hops int NOT NULL DEFAULT 0`,
  `UPDATE conversations c SET hops = counted.hops
     FROM (
       SELECT conversation_id, count(*) FILTER (WHERE previous IS NOT NULL AND previous <> channel)::int AS hops
         FROM (
           SELECT conversation_id, channel, lag(channel) OVER (PARTITION BY conversation_id ORDER BY seq) AS previous
             FROM interactions
            WHERE type = 'message' AND direction IN ('inbound', 'outbound')
         ) messages
        GROUP BY conversation_id
     ) counted
    WHERE counted.conversation_id = c.id AND counted.hops > 0`,
  `ALTER TABLE conversations ALTER COLUMN hops DROP DEFAULT`,
];

const DOWN: readonly string[] = [`ALTER TABLE conversations DROP COLUMN hops`, `ALTER TABLE conversations RENAME COLUMN handoffs TO hops`];

export class ChannelHops1795400000000 implements MigrationInterface {
  readonly name = 'ChannelHops1795400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of UP) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of DOWN) await queryRunner.query(statement);
  }
}
