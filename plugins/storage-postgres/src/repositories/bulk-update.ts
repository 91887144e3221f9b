import type { EntityManager, EntitySchema, ObjectLiteral } from 'typeorm';
import { literalFor, type Literal } from './bulk-insert.js';
import { execute } from '../statement-batch.js';

interface Plan {
  head: string;
  tail: string;
  key: { property: string; literal: Literal; cast: string };
  columns: Array<{ property: string; literal: Literal; cast: string }>;
}

const plans = new WeakMap<EntitySchema<ObjectLiteral>, Map<string, Plan>>();

const planFor = <Row extends ObjectLiteral>(manager: EntityManager, schema: EntitySchema<Row>, keyProperty: keyof Row & string): Plan => {
  const known = plans.get(schema)?.get(keyProperty);
  if (known !== undefined) return known;
  const metadata = manager.connection.getMetadata(schema);
  const describe = (column: (typeof metadata.columns)[number]) => {
    const type = typeof column.type === 'string' ? column.type : '';
    return { property: column.propertyName, name: column.databaseName, literal: literalFor(type), cast: type === '' ? '' : `::${type}` };
  };
  const key = metadata.columns.find((column) => column.propertyName === keyProperty);
  if (key === undefined) throw new Error(`${metadata.tableName} has no column ${keyProperty}`);
  const others = metadata.columns.filter((column) => column !== key).map(describe);
  const k = describe(key);
  const plan: Plan = {
    head: `UPDATE "${metadata.tableName}" AS t SET ${others.map((c) => `"${c.name}" = v."${c.name}"`).join(', ')} FROM (VALUES `,
    tail: `) AS v("${k.name}", ${others.map((c) => `"${c.name}"`).join(', ')}) WHERE t."${k.name}" = v."${k.name}"`,
    key: k,
    columns: others,
  };
  const bySchema = plans.get(schema) ?? new Map<string, Plan>();
  bySchema.set(keyProperty, plan);
  plans.set(schema, bySchema);
  return plan;
};

/**
 * Writes every column of many rows, found by `keyProperty`, in one statement: `UPDATE … FROM
 * (VALUES …)`, the values written as literals as `bulkInsert` writes them (the first row's cast
 * gives each column its type; later rows' literals take it, as in a UNION). One row per key: of
 * rows with the same key the last is written. Inside a transaction the statement is held back
 * until the next one that needs an answer. A row whose key is not stored changes nothing.
 */
export const bulkUpdate = async <Row extends ObjectLiteral>(manager: EntityManager, schema: EntitySchema<Row>, keyProperty: keyof Row & string, rows: readonly Row[]): Promise<void> => {
  if (rows.length === 0) return;
  const { head, tail, key, columns } = planFor(manager, schema, keyProperty);
  const last = new Map<unknown, Row>();
  for (const row of rows) last.set(row[keyProperty], row);
  let sql = head;
  let first = true;
  for (const row of last.values()) {
    const cast = (literal: string, type: string) => (first ? `${literal}${type}` : literal);
    sql += first ? '(' : ', (';
    sql += cast(key.literal(row[key.property]), key.cast);
    for (const column of columns) sql += `, ${cast(column.literal(row[column.property]), column.cast)}`;
    sql += ')';
    first = false;
  }
  await execute(manager, sql + tail);
};
