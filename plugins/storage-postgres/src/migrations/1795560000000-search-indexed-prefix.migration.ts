import { SEARCH_INDEXED_CHARS } from '@switchboard/core';
import type { MigrationInterface, QueryRunner } from 'typeorm';

// Full-text search reads the first SEARCH_INDEXED_CHARS characters of an entry, not all of it:
// the generated column cost every insert to_tsvector over the whole text (~75 ms for a 180 KB
// mail, most of an email batch's commit), and PostgreSQL keeps word positions only up to 16,383
// anyway. The column is made again (a generated expression cannot be altered in place), which
// rewrites the table once; the append-only trigger does not fire for DDL.
const searchColumn = (expression: string) => [
  'DROP INDEX IF EXISTS ix_interactions_search',
  'ALTER TABLE interactions DROP COLUMN search',
  `ALTER TABLE interactions ADD COLUMN search tsvector GENERATED ALWAYS AS (${expression}) STORED`,
  'CREATE INDEX ix_interactions_search ON interactions USING gin (search)',
];

export class SearchIndexedPrefix1795560000000 implements MigrationInterface {
  readonly name = 'SearchIndexedPrefix1795560000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of searchColumn(`to_tsvector('simple'::regconfig, left(coalesce(subject, '') || ' ' || text, ${SEARCH_INDEXED_CHARS}))`)) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of searchColumn(`to_tsvector('simple'::regconfig, coalesce(subject, '') || ' ' || text)`)) await queryRunner.query(statement);
  }
}
