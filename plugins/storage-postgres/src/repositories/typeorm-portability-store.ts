import {
  PORTABLE_KEYS,
  type PortabilityRepository,
  type PortableRows,
  type PortableTable,
  type InboundReceipt,
  type RowKey,
  type SlaVerdict,
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

type Mapped = { [T in Exclude<PortableTable, 'sla_verdict'>]: MappedTable<PortableRows[T], ObjectLiteral> };

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

interface VerdictRow {
  conversationId: string;
  kind: SlaVerdict['kind'];
  queueId: string;
  met: boolean;
  dueAt: Date;
  decidedAt: Date;
  recordedAt: Date;
}
const VERDICT_COLUMNS =
  'conversation_id AS "conversationId", kind, queue_id AS "queueId", met, due_at AS "dueAt", decided_at AS "decidedAt", recorded_at AS "recordedAt"';
const toVerdict = (r: VerdictRow): SlaVerdict => ({
  conversationId: r.conversationId,
  kind: r.kind,
  queueId: r.queueId,
  met: r.met,
  dueAt: new Date(r.dueAt),
  decidedAt: new Date(r.decidedAt),
  recordedAt: new Date(r.recordedAt),
});

const pageLimit = (limit: number): number => (Number.isFinite(limit) ? Math.max(1, Math.floor(limit)) : 1);

/**
 * Whole tables for export and restore, walked by primary key (or the chain's unique key) with a
 * row-value comparison, so every page is one index range scan however deep into the table.
 */
export class TypeormPortabilityRepository implements PortabilityRepository {
  constructor(private readonly manager: EntityManager) {}

  private keyColumns(table: PortableTable): string[] {
    if (table === 'sla_verdict') return ['conversation_id', 'kind'];
    const metadata = this.manager.connection.getMetadata(TABLES[table].schema);
    return (PORTABLE_KEYS[table] as readonly string[]).map((property) => {
      const column = metadata.findColumnWithPropertyName(property);
      if (column === undefined) throw new Error(`${metadata.tableName} has no column for ${property}`);
      return `"${column.databaseName}"`;
    });
  }

  private tableName(table: PortableTable): string {
    return table === 'sla_verdict' ? 'sla_verdicts' : `"${this.manager.connection.getMetadata(TABLES[table].schema).tableName}"`;
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
    const columns = table === 'sla_verdict' ? VERDICT_COLUMNS : selectList(this.manager, TABLES[table as Exclude<T, 'sla_verdict'>].schema);
    const rows = await this.manager.query<ObjectLiteral[]>(
      `SELECT ${columns} FROM ${this.tableName(table)} ${where} ORDER BY ${keys.join(', ')} LIMIT $1`,
      params,
    );
    if (table === 'sla_verdict') return rows.map((r) => toVerdict(r as VerdictRow)) as PortableRows[T][];
    const { fromRow } = TABLES[table as Exclude<T, 'sla_verdict'>];
    return rows.map((r) => fromRow(r)) as PortableRows[T][];
  }

  async insertMany<T extends PortableTable>(table: T, rows: readonly PortableRows[T][]): Promise<void> {
    if (rows.length === 0) return;
    if (table === 'interaction') {
      await new TypeormInteractionRepository(this.manager).insertMany(rows as readonly PortableRows['interaction'][]);
      return;
    }
    if (table === 'sla_verdict') {
      const verdicts = rows as readonly SlaVerdict[];
      await this.manager.query(
        `INSERT INTO sla_verdicts (conversation_id, kind, queue_id, met, due_at, decided_at, recorded_at)
         SELECT * FROM unnest($1::uuid[], $2::varchar[], $3::uuid[], $4::boolean[], $5::timestamptz[], $6::timestamptz[], $7::timestamptz[])`,
        [
          verdicts.map((v) => v.conversationId),
          verdicts.map((v) => v.kind),
          verdicts.map((v) => v.queueId),
          verdicts.map((v) => v.met),
          verdicts.map((v) => v.dueAt.toISOString()),
          verdicts.map((v) => v.decidedAt.toISOString()),
          verdicts.map((v) => v.recordedAt.toISOString()),
        ],
      );
      return;
    }
    const { schema, toRow } = TABLES[table as Exclude<T, 'sla_verdict'>];
    await bulkInsert(this.manager, schema, rows.map((row) => toRow(row as never)));
  }

  async deleteQueue(id: string): Promise<void> {
    await this.manager.query('DELETE FROM queues WHERE id = $1', [id]);
  }
}
