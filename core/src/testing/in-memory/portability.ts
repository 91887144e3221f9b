import {
  PORTABLE_KEYS,
  rowKey,
  type PortabilityRepository,
  type PortableRows,
  type PortableTable,
  type RowKey,
} from '../../portability/ports/portability-store.port.js';
import { InMemoryInteractionRepository } from './ledger.js';
import { ConstraintError, copy } from './rows.js';
import { pairKey, type Db } from './tables.js';

type TableOf = { [T in PortableTable]: keyof Db };

const TABLES: TableOf = {
  customer: 'customers',
  identity: 'identities',
  customer_merge: 'merges',
  merge_suggestion: 'mergeSuggestions',
  queue: 'queues',
  routing_rule: 'routingRules',
  agent: 'agents',
  conversation: 'conversations',
  interaction: 'interactions',
  inbound_receipt: 'receipts',
  delivery: 'deliveries',
  work_item: 'workItems',
  offer: 'offers',
  assignment: 'assignments',
  routing_decision: 'decisions',
  sla_verdict: 'slaVerdicts',
  legacy_mapping: 'legacyMap',
  crm_log_entry: 'crmLog',
};

/** The key each in-memory table stores its rows under (see tables.ts). */
const storageKey = <T extends PortableTable>(table: T, row: PortableRows[T]): string => {
  const key = rowKey(table, row).map(String);
  if (table === 'interaction') return (row as PortableRows['interaction']).id;
  // Walked by position, stored by (instance, interaction) as crm-log.ts keeps it.
  if (table === 'crm_log_entry') return `${(row as PortableRows['crm_log_entry']).instanceId}\0${(row as PortableRows['crm_log_entry']).interactionId}`;
  return key.length === 1 ? key[0]! : pairKey(key[0]!, key[1]!);
};

// Texts by code point (UTF-8 bytes), numbers as numbers.
const comparePart = (a: string | number, b: string | number): number => {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return Buffer.compare(Buffer.from(String(a)), Buffer.from(String(b)));
};
const compareKeys = (a: RowKey, b: RowKey): number => {
  for (let i = 0; i < a.length; i += 1) {
    const order = comparePart(a[i]!, b[i]!);
    if (order !== 0) return order;
  }
  return 0;
};

export class InMemoryPortabilityRepository implements PortabilityRepository {
  constructor(private readonly db: Db) {}

  private rows<T extends PortableTable>(table: T): { values(): PortableRows[T][]; has(key: string): boolean; set(key: string, value: PortableRows[T]): void } {
    return this.db[TABLES[table]] as unknown as { values(): PortableRows[T][]; has(key: string): boolean; set(key: string, value: PortableRows[T]): void };
  }

  async count(table: PortableTable): Promise<number> {
    return this.rows(table).values().length;
  }

  async pageAfter<T extends PortableTable>(table: T, after: RowKey | null, limit: number): Promise<PortableRows[T][]> {
    if (after !== null && after.length !== PORTABLE_KEYS[table].length) throw new Error(`a key of ${table} has ${PORTABLE_KEYS[table].length} parts`);
    return this.rows(table)
      .values()
      .map((row) => ({ row, key: rowKey(table, row) }))
      .filter(({ key }) => after === null || compareKeys(key, after) > 0)
      .sort((a, b) => compareKeys(a.key, b.key))
      .slice(0, Math.max(1, Math.floor(limit)))
      .map(({ row }) => copy(row));
  }

  async insertMany<T extends PortableTable>(table: T, rows: readonly PortableRows[T][]): Promise<void> {
    if (table === 'interaction') {
      await new InMemoryInteractionRepository(this.db).insertMany(rows as readonly PortableRows['interaction'][]);
      return;
    }
    const target = this.rows(table);
    const keys = new Set<string>();
    for (const row of rows) {
      const key = storageKey(table, row);
      if (target.has(key) || keys.has(key)) throw new ConstraintError(TABLES[table], key);
      keys.add(key);
    }
    for (const row of rows) target.set(storageKey(table, row), copy(row));
  }

  async deleteQueue(id: string): Promise<void> {
    this.db.queues.delete(id);
  }
}
