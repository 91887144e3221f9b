import type { MigrationInterface, QueryRunner } from 'typeorm';

// Written by hand for PostgreSQL 15+ and PGlite alike: no extensions, ids come from the core.
// One statement per query() call, so a failure names the statement at fault.
const UP: readonly string[] = [
  `CREATE TABLE customers (
    id uuid NOT NULL,
    display_name text NULL,
    attributes jsonb NOT NULL DEFAULT '{}'::jsonb,
    merged_into uuid NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CONSTRAINT pk_customers PRIMARY KEY (id)
  )`,
  `CREATE INDEX ix_customers_merged_into ON customers (merged_into) WHERE merged_into IS NOT NULL`,

  `CREATE TABLE identities (
    kind varchar(32) NOT NULL,
    value varchar(320) NOT NULL,
    customer_id uuid NOT NULL,
    verified boolean NOT NULL,
    created_at timestamptz NOT NULL,
    CONSTRAINT pk_identities PRIMARY KEY (kind, value)
  )`,
  `CREATE INDEX ix_identities_customer ON identities (customer_id, created_at)`,

  `CREATE TABLE conversations (
    id uuid NOT NULL,
    customer_id uuid NOT NULL,
    status varchar(16) NOT NULL,
    queue_id uuid NULL,
    priority int NOT NULL,
    channels jsonb NOT NULL,
    hops int NOT NULL,
    assignment_agent_id uuid NULL,
    assignment_since timestamptz NULL,
    last_inbound_channel varchar(64) NULL,
    last_inbound_at timestamptz NULL,
    first_response_at timestamptz NULL,
    resolved_at timestamptz NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CONSTRAINT pk_conversations PRIMARY KEY (id)
  )`,
  // findOpen
  `CREATE INDEX ix_conversations_customer_status_updated ON conversations (customer_id, status, updated_at)`,
  // list(): newest first, optionally filtered by customer, queue or status
  `CREATE INDEX ix_conversations_created ON conversations (created_at DESC, id DESC)`,
  `CREATE INDEX ix_conversations_customer_created ON conversations (customer_id, created_at DESC, id DESC)`,
  `CREATE INDEX ix_conversations_queue_created ON conversations (queue_id, created_at DESC, id DESC) WHERE queue_id IS NOT NULL`,
  `CREATE INDEX ix_conversations_status_created ON conversations (status, created_at DESC, id DESC)`,

  `CREATE TABLE interactions (
    id uuid NOT NULL,
    conversation_id uuid NOT NULL,
    customer_id uuid NOT NULL,
    seq int NOT NULL,
    channel varchar(64) NOT NULL,
    direction varchar(16) NOT NULL,
    type varchar(16) NOT NULL,
    external_id text NULL,
    thread_ref text NULL,
    subject text NULL,
    text text NOT NULL,
    html text NULL,
    attachments jsonb NOT NULL,
    party jsonb NULL,
    agent_id uuid NULL,
    data jsonb NOT NULL,
    source_plugin varchar(200) NULL,
    occurred_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL,
    content_hash varchar(64) NOT NULL,
    prev_digest varchar(64) NULL,
    digest varchar(64) NOT NULL,
    CONSTRAINT pk_interactions PRIMARY KEY (id)
  )`,
  // one chain per conversation: last(), listByConversation(), lastInbound()
  `CREATE UNIQUE INDEX uq_interactions_conversation_seq ON interactions (conversation_id, seq)`,
  `CREATE INDEX ix_interactions_customer_timeline ON interactions (customer_id, occurred_at DESC, recorded_at DESC, id DESC)`,
  // findConversationByRef
  `CREATE INDEX ix_interactions_channel_external ON interactions (channel, external_id) WHERE external_id IS NOT NULL`,
  `CREATE INDEX ix_interactions_channel_thread ON interactions (channel, thread_ref) WHERE thread_ref IS NOT NULL`,
  `CREATE FUNCTION interactions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION 'interactions are append-only: % is not allowed', TG_OP
      USING ERRCODE = 'restrict_violation',
            HINT = 'record a new interaction instead of changing or removing one';
  END
  $$`,
  `CREATE TRIGGER interactions_no_update_delete BEFORE UPDATE OR DELETE ON interactions
    FOR EACH ROW EXECUTE FUNCTION interactions_append_only()`,
  `CREATE TRIGGER interactions_no_truncate BEFORE TRUNCATE ON interactions
    FOR EACH STATEMENT EXECUTE FUNCTION interactions_append_only()`,

  `CREATE TABLE inbound_receipts (
    channel varchar(64) NOT NULL,
    external_id text NOT NULL,
    interaction_id uuid NOT NULL,
    received_at timestamptz NOT NULL,
    CONSTRAINT pk_inbound_receipts PRIMARY KEY (channel, external_id)
  )`,

  `CREATE TABLE deliveries (
    interaction_id uuid NOT NULL,
    channel varchar(64) NOT NULL,
    status varchar(16) NOT NULL,
    attempts int NOT NULL,
    next_attempt_at timestamptz NULL,
    lease_until timestamptz NULL,
    reason text NULL,
    provider_message_id text NULL,
    updated_at timestamptz NOT NULL,
    CONSTRAINT pk_deliveries PRIMARY KEY (interaction_id)
  )`,
  // listDue
  `CREATE INDEX ix_deliveries_due ON deliveries (next_attempt_at, interaction_id) WHERE status IN ('pending', 'retrying')`,

  `CREATE TABLE queues (
    id uuid NOT NULL,
    name varchar(200) NOT NULL,
    skills jsonb NOT NULL,
    strategy varchar(32) NOT NULL,
    sticky jsonb NULL,
    cost jsonb NOT NULL,
    offer_timeout_seconds int NOT NULL,
    sla jsonb NULL,
    overflow jsonb NULL,
    business_hours jsonb NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CONSTRAINT pk_queues PRIMARY KEY (id),
    CONSTRAINT uq_queues_name UNIQUE (name)
  )`,

  `CREATE TABLE agents (
    id uuid NOT NULL,
    name varchar(200) NOT NULL,
    email varchar(320) NULL,
    skills jsonb NOT NULL,
    capacity jsonb NOT NULL,
    presence varchar(16) NOT NULL,
    presence_since timestamptz NOT NULL,
    desk jsonb NOT NULL,
    last_offer_at timestamptz NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CONSTRAINT pk_agents PRIMARY KEY (id)
  )`,
  `CREATE INDEX ix_agents_presence ON agents (presence, name)`,

  `CREATE TABLE work_items (
    conversation_id uuid NOT NULL,
    queue_id uuid NOT NULL,
    priority int NOT NULL,
    channel varchar(64) NOT NULL,
    skills jsonb NOT NULL,
    cost int NOT NULL,
    state varchar(16) NOT NULL,
    enqueued_at timestamptz NOT NULL,
    excluded_agents jsonb NOT NULL,
    reasons jsonb NOT NULL,
    updated_at timestamptz NOT NULL,
    CONSTRAINT pk_work_items PRIMARY KEY (conversation_id)
  )`,
  // listWaiting and countByQueue
  `CREATE INDEX ix_work_items_queue_state_order ON work_items (queue_id, state, priority DESC, enqueued_at)`,
  // queuesWithWaiting
  `CREATE INDEX ix_work_items_waiting_queue ON work_items (queue_id) WHERE state = 'waiting'`,

  `CREATE TABLE offers (
    id uuid NOT NULL,
    conversation_id uuid NOT NULL,
    agent_id uuid NOT NULL,
    queue_id uuid NOT NULL,
    channel varchar(64) NOT NULL,
    cost int NOT NULL,
    status varchar(16) NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    answered_at timestamptz NULL,
    reason text NULL,
    CONSTRAINT pk_offers PRIMARY KEY (id)
  )`,
  // listByAgent and loads()
  `CREATE INDEX ix_offers_agent_status ON offers (agent_id, status, created_at DESC)`,
  // listExpired
  `CREATE INDEX ix_offers_status_expires ON offers (status, expires_at)`,
  // listPendingByConversation
  `CREATE INDEX ix_offers_conversation_status ON offers (conversation_id, status)`,

  `CREATE TABLE assignments (
    id uuid NOT NULL,
    conversation_id uuid NOT NULL,
    agent_id uuid NOT NULL,
    queue_id uuid NULL,
    channel varchar(64) NOT NULL,
    cost int NOT NULL,
    started_at timestamptz NOT NULL,
    ended_at timestamptz NULL,
    CONSTRAINT pk_assignments PRIMARY KEY (id)
  )`,
  `CREATE INDEX ix_assignments_active_conversation ON assignments (conversation_id, started_at DESC) WHERE ended_at IS NULL`,
  `CREATE INDEX ix_assignments_active_agent ON assignments (agent_id) WHERE ended_at IS NULL`,
  `CREATE INDEX ix_assignments_active_queue ON assignments (queue_id) WHERE ended_at IS NULL`,

  `CREATE TABLE routing_decisions (
    id uuid NOT NULL,
    conversation_id uuid NOT NULL,
    queue_id uuid NULL,
    at timestamptz NOT NULL,
    outcome varchar(16) NOT NULL,
    agent_id uuid NULL,
    detail text NOT NULL,
    CONSTRAINT pk_routing_decisions PRIMARY KEY (id)
  )`,
  `CREATE INDEX ix_routing_decisions_conversation ON routing_decisions (conversation_id, at, id)`,

  `CREATE TABLE outbox_events (
    id uuid NOT NULL,
    type varchar(64) NOT NULL,
    event jsonb NOT NULL,
    created_at timestamptz NOT NULL,
    dispatched_at timestamptz NULL,
    CONSTRAINT pk_outbox_events PRIMARY KEY (id)
  )`,
  // claimUndispatched: the relay only ever scans what is still to do
  `CREATE INDEX ix_outbox_events_undispatched ON outbox_events (created_at, id) WHERE dispatched_at IS NULL`,

  `CREATE TABLE api_keys (
    id uuid NOT NULL,
    name varchar(200) NOT NULL,
    prefix varchar(32) NOT NULL,
    hash varchar(128) NOT NULL,
    scopes jsonb NOT NULL,
    created_at timestamptz NOT NULL,
    revoked_at timestamptz NULL,
    CONSTRAINT pk_api_keys PRIMARY KEY (id),
    CONSTRAINT uq_api_keys_hash UNIQUE (hash)
  )`,
];

const DOWN: readonly string[] = [
  'DROP TABLE api_keys',
  'DROP TABLE outbox_events',
  'DROP TABLE routing_decisions',
  'DROP TABLE assignments',
  'DROP TABLE offers',
  'DROP TABLE work_items',
  'DROP TABLE agents',
  'DROP TABLE queues',
  'DROP TABLE deliveries',
  'DROP TABLE inbound_receipts',
  'DROP TABLE interactions',
  'DROP FUNCTION interactions_append_only()',
  'DROP TABLE conversations',
  'DROP TABLE identities',
  'DROP TABLE customers',
];

export class InitialSchema1795305600000 implements MigrationInterface {
  readonly name = 'InitialSchema1795305600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of UP) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of DOWN) await queryRunner.query(statement);
  }
}
