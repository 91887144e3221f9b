import type { MigrationInterface, QueryRunner } from 'typeorm';

// Merge suggestions (a message named identities of two customers) and merge records (what a merge
// moved, so that unmerge restores exactly that).
const UP: readonly string[] = [
  `CREATE TABLE merge_suggestions (
    id uuid NOT NULL,
    customer_id uuid NOT NULL,
    other_customer_id uuid NOT NULL,
    identity_kind varchar(32) NOT NULL,
    identity_value varchar(320) NOT NULL,
    interaction_id uuid NULL,
    status varchar(16) NOT NULL,
    created_at timestamptz NOT NULL,
    decided_at timestamptz NULL,
    CONSTRAINT pk_merge_suggestions PRIMARY KEY (id)
  )`,
  // At most one pending suggestion per pair of customers, in either order.
  `CREATE UNIQUE INDEX ux_merge_suggestions_pending_pair ON merge_suggestions
     (LEAST(customer_id, other_customer_id), GREATEST(customer_id, other_customer_id)) WHERE status = 'pending'`,
  `CREATE INDEX ix_merge_suggestions_created ON merge_suggestions (created_at DESC, id DESC)`,
  `CREATE INDEX ix_merge_suggestions_customer ON merge_suggestions (customer_id)`,
  `CREATE INDEX ix_merge_suggestions_other_customer ON merge_suggestions (other_customer_id)`,
  `CREATE TABLE customer_merges (
    id uuid NOT NULL,
    survivor_id uuid NOT NULL,
    merged_id uuid NOT NULL,
    identities jsonb NOT NULL,
    conversations jsonb NOT NULL,
    attributes jsonb NOT NULL,
    display_name_before text NULL,
    display_name_changed boolean NOT NULL,
    created_at timestamptz NOT NULL,
    undone_at timestamptz NULL,
    CONSTRAINT pk_customer_merges PRIMARY KEY (id)
  )`,
  `CREATE INDEX ix_customer_merges_pair ON customer_merges (survivor_id, merged_id) WHERE undone_at IS NULL`,
];

const DOWN: readonly string[] = ['DROP TABLE customer_merges', 'DROP TABLE merge_suggestions'];

export class MergeSuggestions1795400100000 implements MigrationInterface {
  readonly name = 'MergeSuggestions1795400100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of UP) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of DOWN) await queryRunner.query(statement);
  }
}
