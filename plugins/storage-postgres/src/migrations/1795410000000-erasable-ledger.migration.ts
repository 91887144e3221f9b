import type { MigrationInterface, QueryRunner } from 'typeorm';

// Erasure, the hub-wide anchor and full-text search, for PostgreSQL and PGlite alike.
//
// - `erased_at`: erasure replaces an entry's personal content (subject, text, html, attachments,
//   party, data) with the tombstone and sets this. The digest covers the content hash, not the
//   content, so the chain still verifies; the trigger allows exactly that change and nothing else.
// - `search`: the words of subject and text, a generated column so the index costs the ingest path
//   no statement of its own, and the tombstone empties it by itself. The 'simple' configuration
//   (no stemming, no stop words) because customers write in every language.
// - `ledger_heads`: the head of every conversation's chain, advanced with each append in the same
//   transaction and never moved back or removed: a removed tail or a deleted conversation shows.
const UP: readonly string[] = [
  'ALTER TABLE interactions ADD COLUMN erased_at timestamptz NULL',
  `ALTER TABLE interactions ADD COLUMN search tsvector
     GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, coalesce(subject, '') || ' ' || text)) STORED`,
  'CREATE INDEX ix_interactions_search ON interactions USING gin (search)',
  `CREATE OR REPLACE FUNCTION interactions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP = 'UPDATE'
       AND OLD.erased_at IS NULL AND NEW.erased_at IS NOT NULL
       AND NEW.id = OLD.id AND NEW.conversation_id = OLD.conversation_id AND NEW.customer_id = OLD.customer_id
       AND NEW.seq = OLD.seq AND NEW.channel = OLD.channel AND NEW.direction = OLD.direction AND NEW.type = OLD.type
       AND NEW.external_id IS NOT DISTINCT FROM OLD.external_id AND NEW.thread_ref IS NOT DISTINCT FROM OLD.thread_ref
       AND NEW.agent_id IS NOT DISTINCT FROM OLD.agent_id AND NEW.source_plugin IS NOT DISTINCT FROM OLD.source_plugin
       AND NEW.occurred_at = OLD.occurred_at AND NEW.recorded_at = OLD.recorded_at
       AND NEW.content_hash = OLD.content_hash AND NEW.prev_digest IS NOT DISTINCT FROM OLD.prev_digest AND NEW.digest = OLD.digest
       AND NEW.subject IS NULL AND NEW.text = '' AND NEW.html IS NULL AND NEW.attachments = '[]'::jsonb
       AND NEW.party IS NULL AND NEW.data = '{}'::jsonb
    THEN
      RETURN NEW;
    END IF;
    RAISE EXCEPTION 'interactions are append-only: % is not allowed', TG_OP
      USING ERRCODE = 'restrict_violation',
            HINT = 'record a new interaction instead of changing or removing one; erasure may only replace the content with the tombstone';
  END
  $$`,
  `CREATE TABLE ledger_heads (
    conversation_id uuid NOT NULL,
    seq int NOT NULL,
    digest varchar(64) NOT NULL,
    CONSTRAINT pk_ledger_heads PRIMARY KEY (conversation_id)
  )`,
  `INSERT INTO ledger_heads (conversation_id, seq, digest)
     SELECT DISTINCT ON (conversation_id) conversation_id, seq, digest FROM interactions ORDER BY conversation_id, seq DESC`,
  `CREATE FUNCTION ledger_heads_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP = 'UPDATE' AND NEW.conversation_id = OLD.conversation_id AND NEW.seq > OLD.seq THEN
      RETURN NEW;
    END IF;
    RAISE EXCEPTION 'ledger heads only move forward: % is not allowed', TG_OP USING ERRCODE = 'restrict_violation';
  END
  $$`,
  `CREATE TRIGGER ledger_heads_no_rewind BEFORE UPDATE OR DELETE ON ledger_heads
    FOR EACH ROW EXECUTE FUNCTION ledger_heads_forward_only()`,
  `CREATE TRIGGER ledger_heads_no_truncate BEFORE TRUNCATE ON ledger_heads
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_heads_forward_only()`,
];

const DOWN: readonly string[] = [
  'DROP TABLE ledger_heads',
  'DROP FUNCTION ledger_heads_forward_only()',
  `CREATE OR REPLACE FUNCTION interactions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION 'interactions are append-only: % is not allowed', TG_OP
      USING ERRCODE = 'restrict_violation',
            HINT = 'record a new interaction instead of changing or removing one';
  END
  $$`,
  'DROP INDEX ix_interactions_search',
  'ALTER TABLE interactions DROP COLUMN search',
  'ALTER TABLE interactions DROP COLUMN erased_at',
];

export class ErasableLedger1795410000000 implements MigrationInterface {
  readonly name = 'ErasableLedger1795410000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of UP) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of DOWN) await queryRunner.query(statement);
  }
}
