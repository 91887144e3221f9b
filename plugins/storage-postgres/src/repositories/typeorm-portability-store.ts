import {
  PORTABLE_KEYS,
  type PortabilityRepository,
  type PortableRows,
  type PortableTable,
  type InboundReceipt,
  type RowKey,
  type SlaVerdict,
  type LegacyMapping,
  type RoutingRule,
} from '@switchboard/core';
import type { EntityManager, EntitySchema, ObjectLiteral } from 'typeorm';
import {
  toCustomer,
  toCustomerMerge,
  toCustomerMergeRow,
  toCustomerRow,
  toIdentity,
  toIdentityRow,
  toMergeSuggestion,
  toMergeSuggestionRow,
} from '../mappers/identity.mapper.js';
import { toConversation, toConversationRow, toDelivery, toDeliveryRow, toInteraction, toInteractionRow } from '../mappers/ledger.mapper.js';
import {
  toAgent,
  toAgentRow,
  toAssignment,
  toAssignmentRow,
  toOffer,
  toOfferRow,
  toQueue,
  toQueueRow,
  toRoutingDecision,
  toRoutingDecisionRow,
  toWorkItem,
  toWorkItemRow,
} from '../mappers/routing.mapper.js';
import { CustomerMergeSchema, CustomerSchema, IdentitySchema, MergeSuggestionSchema } from '../schemas/identity.schema.js';
import { ConversationSchema, DeliverySchema, InboundReceiptSchema, InteractionSchema } from '../schemas/ledger.schema.js';
import { AgentSchema, AssignmentSchema, OfferSchema, QueueSchema, RoutingDecisionSchema, RoutingRuleSchema, WorkItemSchema, type RoutingRuleRow } from '../schemas/routing.schema.js';
import { bulkInsert } from './bulk-insert.js';
import { selectList } from './select-list.js';
import { TypeormInteractionRepository } from './typeorm-ledger-store.js';

/** A table behind an EntitySchema, with the mappers the other repositories use. */
interface MappedTable<T, Row extends ObjectLiteral> {
  schema: EntitySchema<Row>;
  toRow(value: T): Row;
  fromRow(row: Row): T;
}

const mapped = <T, Row extends ObjectLiteral>(schema: EntitySchema<Row>, toRow: (value: T) => Row, fromRow: (row: Row) => T): MappedTable<T, Row> => ({
  schema,
  toRow,
  fromRow,
});
const same = <T extends ObjectLiteral>(value: T): T => ({ ...value });

/** Tables written with plain SQL elsewhere too (no EntitySchema): their columns, key and insert here. */
type RawTable = 'sla_verdict' | 'legacy_mapping' | 'crm_log_entry';
type Mapped = { [T in Exclude<PortableTable, RawTable>]: MappedTable<PortableRows[T], ObjectLiteral> };

const TABLES: Mapped = {
  customer: mapped(CustomerSchema, toCustomerRow, toCustomer),
  identity: mapped(IdentitySchema, toIdentityRow, toIdentity),
  customer_merge: mapped(CustomerMergeSchema, toCustomerMergeRow, toCustomerMerge),
  merge_suggestion: mapped(MergeSuggestionSchema, toMergeSuggestionRow, toMergeSuggestion),
  queue: mapped(QueueSchema, toQueueRow, toQueue),
  routing_rule: mapped(RoutingRuleSchema, (rule: RoutingRule) => ({ ...rule }), (row: RoutingRuleRow): RoutingRule => ({ ...row })),
  agent: mapped(AgentSchema, toAgentRow, toAgent),
  conversation: mapped(ConversationSchema, toConversationRow, toConversation),
  interaction: mapped(InteractionSchema, toInteractionRow, toInteraction),
  inbound_receipt: mapped(InboundReceiptSchema, same<InboundReceipt>, same<InboundReceipt>),
  delivery: mapped(DeliverySchema, toDeliveryRow, toDelivery),
  work_item: mapped(WorkItemSchema, toWorkItemRow, toWorkItem),
  offer: mapped(OfferSchema, toOfferRow, toOffer),
  assignment: mapped(AssignmentSchema, toAssignmentRow, toAssignment),
  routing_decision: mapped(RoutingDecisionSchema, toRoutingDecisionRow, toRoutingDecision),
} as unknown as Mapped;

interface Raw<T> {
  table: string;
  keys: string[];
  /** The select list, columns named as the row's properties. */
  columns: string;
  fromRow(row: ObjectLiteral): T;
  insert(manager: EntityManager, rows: readonly T[]): Promise<void>;
}

const dates = (values: readonly (Date | null)[]) => values.map((d) => (d === null ? null : d.toISOString()));

const RAW: { [T in RawTable]: Raw<PortableRows[T]> } = {
  sla_verdict: {
    table: 'sla_verdicts',
    keys: ['conversation_id', 'kind'],
    columns: 'conversation_id AS "conversationId", kind, queue_id AS "queueId", met, due_at AS "dueAt", decided_at AS "decidedAt", recorded_at AS "recordedAt"',
    fromRow: (r): SlaVerdict => ({
      conversationId: r['conversationId'],
      kind: r['kind'],
      queueId: r['queueId'],
      met: r['met'],
      dueAt: new Date(r['dueAt']),
      decidedAt: new Date(r['decidedAt']),
      recordedAt: new Date(r['recordedAt']),
    }),
    insert: async (manager, verdicts) => {
      await manager.query(
        `INSERT INTO sla_verdicts (conversation_id, kind, queue_id, met, due_at, decided_at, recorded_at)
         SELECT * FROM unnest($1::uuid[], $2::varchar[], $3::uuid[], $4::boolean[], $5::timestamptz[], $6::timestamptz[], $7::timestamptz[])`,
        [
          verdicts.map((v) => v.conversationId),
          verdicts.map((v) => v.kind),
          verdicts.map((v) => v.queueId),
          verdicts.map((v) => v.met),
          dates(verdicts.map((v) => v.dueAt)),
          dates(verdicts.map((v) => v.decidedAt)),
          dates(verdicts.map((v) => v.recordedAt)),
        ],
      );
    },
  },
  legacy_mapping: {
    table: 'legacy_map',
    keys: ['external_id'],
    columns: 'external_id AS "externalId", system, entity, hub_id AS "hubId", content_hash AS "contentHash", data, run_id AS "runId", updated_at AS "updatedAt"',
    fromRow: (r): LegacyMapping => ({
      externalId: r['externalId'],
      system: r['system'],
      entity: r['entity'],
      hubId: r['hubId'],
      contentHash: String(r['contentHash']).trim(),
      data: typeof r['data'] === 'string' ? JSON.parse(r['data']) : r['data'],
      runId: r['runId'],
      updatedAt: new Date(r['updatedAt']),
    }),
    insert: async (manager, mappings) => {
      await manager.query(
        `INSERT INTO legacy_map (external_id, system, entity, hub_id, content_hash, data, run_id, updated_at)
         SELECT * FROM unnest($1::text[], $2::varchar[], $3::varchar[], $4::uuid[], $5::char(64)[], $6::jsonb[], $7::uuid[], $8::timestamptz[])`,
        [
          mappings.map((m) => m.externalId),
          mappings.map((m) => m.system),
          mappings.map((m) => m.entity),
          mappings.map((m) => m.hubId),
          mappings.map((m) => m.contentHash),
          mappings.map((m) => JSON.stringify(m.data)),
          mappings.map((m) => m.runId),
          dates(mappings.map((m) => m.updatedAt)),
        ],
      );
    },
  },
  crm_log_entry: {
    table: 'crm_log',
    keys: ['position'],
    columns:
      'instance_id AS "instanceId", interaction_id AS "interactionId", position, customer_id AS "customerId", conversation_id AS "conversationId", kind, status, attempts, ' +
      'lease_until AS "leaseUntil", contact_id AS "contactId", activity_id AS "activityId", last_error AS "lastError", created_at AS "createdAt", updated_at AS "updatedAt"',
    fromRow: (r): PortableRows['crm_log_entry'] => ({
      instanceId: r['instanceId'],
      interactionId: r['interactionId'],
      position: Number(r['position']),
      customerId: r['customerId'],
      conversationId: r['conversationId'],
      kind: r['kind'],
      status: r['status'],
      attempts: Number(r['attempts']),
      leaseUntil: r['leaseUntil'] === null ? null : new Date(r['leaseUntil']),
      contactId: r['contactId'],
      activityId: r['activityId'],
      lastError: r['lastError'],
      createdAt: new Date(r['createdAt']),
      updatedAt: new Date(r['updatedAt']),
    }),
    insert: async (manager, entries) => {
      await manager.query(
        `INSERT INTO crm_log (instance_id, interaction_id, position, customer_id, conversation_id, kind, status, attempts, lease_until, contact_id, activity_id, last_error, created_at, updated_at)
         SELECT * FROM unnest($1::varchar[], $2::uuid[], $3::bigint[], $4::uuid[], $5::uuid[], $6::varchar[], $7::varchar[], $8::int[], $9::timestamptz[], $10::varchar[], $11::varchar[], $12::text[], $13::timestamptz[], $14::timestamptz[])`,
        [
          entries.map((e) => e.instanceId),
          entries.map((e) => e.interactionId),
          entries.map((e) => e.position),
          entries.map((e) => e.customerId),
          entries.map((e) => e.conversationId),
          entries.map((e) => e.kind),
          entries.map((e) => e.status),
          entries.map((e) => e.attempts),
          dates(entries.map((e) => e.leaseUntil)),
          entries.map((e) => e.contactId),
          entries.map((e) => e.activityId),
          entries.map((e) => e.lastError),
          dates(entries.map((e) => e.createdAt)),
          dates(entries.map((e) => e.updatedAt)),
        ],
      );
      // Positions were given, not drawn: entries added from now on must come after them.
      await manager.query(`SELECT setval(pg_get_serial_sequence('crm_log', 'position'), (SELECT max(position) FROM crm_log))`);
    },
  },
};

const isRaw = (table: PortableTable): table is RawTable => Object.hasOwn(RAW, table);

const pageLimit = (limit: number): number => (Number.isFinite(limit) ? Math.max(1, Math.floor(limit)) : 1);

/**
 * Whole tables for export and restore, walked by primary key (or the chain's unique key) with a
 * row-value comparison, so every page is one index range scan however deep into the table.
 */
export class TypeormPortabilityRepository implements PortabilityRepository {
  constructor(private readonly manager: EntityManager) {}

  private keyColumns(table: PortableTable): string[] {
    if (isRaw(table)) return RAW[table].keys;
    const metadata = this.manager.connection.getMetadata(TABLES[table].schema);
    return (PORTABLE_KEYS[table] as readonly string[]).map((property) => {
      const column = metadata.findColumnWithPropertyName(property);
      if (column === undefined) throw new Error(`${metadata.tableName} has no column for ${property}`);
      return `"${column.databaseName}"`;
    });
  }

  private tableName(table: PortableTable): string {
    return isRaw(table) ? RAW[table].table : `"${this.manager.connection.getMetadata(TABLES[table].schema).tableName}"`;
  }

  async count(table: PortableTable): Promise<number> {
    const [row] = await this.manager.query<{ count: string | number }[]>(`SELECT count(*) AS count FROM ${this.tableName(table)}`);
    return Number(row?.count ?? 0);
  }

  async pageAfter<T extends PortableTable>(table: T, after: RowKey | null, limit: number): Promise<PortableRows[T][]> {
    const keys = this.keyColumns(table);
    if (after !== null && after.length !== keys.length) throw new Error(`a key of ${table} has ${keys.length} parts`);
    const params: unknown[] = [pageLimit(limit)];
    const where = after === null ? '' : `WHERE (${keys.join(', ')}) > (${after.map((part) => `$${params.push(part)}`).join(', ')})`;
    const columns = isRaw(table) ? RAW[table].columns : selectList(this.manager, TABLES[table as Exclude<T, RawTable>].schema);
    const rows = await this.manager.query<ObjectLiteral[]>(
      `SELECT ${columns} FROM ${this.tableName(table)} ${where} ORDER BY ${keys.join(', ')} LIMIT $1`,
      params,
    );
    const fromRow = isRaw(table) ? RAW[table].fromRow : TABLES[table as Exclude<T, RawTable>].fromRow;
    return rows.map((r) => fromRow(r)) as PortableRows[T][];
  }

  async insertMany<T extends PortableTable>(table: T, rows: readonly PortableRows[T][]): Promise<void> {
    if (rows.length === 0) return;
    if (table === 'interaction') {
      await new TypeormInteractionRepository(this.manager).insertMany(rows as readonly PortableRows['interaction'][]);
      return;
    }
    if (isRaw(table)) {
      await (RAW[table] as Raw<PortableRows[T]>).insert(this.manager, rows);
      return;
    }
    const { schema, toRow } = TABLES[table as Exclude<T, RawTable>];
    await bulkInsert(this.manager, schema, rows.map((row) => toRow(row as never)));
  }

  async deleteQueue(id: string): Promise<void> {
    await this.manager.query('DELETE FROM queues WHERE id = $1', [id]);
  }
}
