import type { EntityManager, EntitySchema, ObjectLiteral } from 'typeorm';
import { execute, sqlLiteral } from '../statement-batch.js';

export type Literal = (value: unknown) => string;

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

// The rows of one batch mostly carry the same instant (its `now`): its text is made once.
let lastTime = Number.NaN;
let lastLiteral = '';

/** An ISO date holds no quote or backslash. */
const dateLiteral = (value: Date): string => {
  const time = value.getTime();
  if (time !== lastTime) {
    lastLiteral = `'${value.toISOString()}'`;
    lastTime = time;
  }
  return lastLiteral;
};

// Per column type, the cheapest literal that is still exact; anything unexpected takes the general path.
export const literalFor = (type: string): Literal => {
  switch (type) {
    case 'jsonb':
    case 'json':
      // A JSON column takes the document's text (pg would send a JS array as a PostgreSQL array).
      return (value) => (value === null || value === undefined ? 'NULL' : sqlLiteral(JSON.stringify(value)));
    case 'timestamptz':
      return (value) => (value instanceof Date ? dateLiteral(value) : sqlLiteral(value));
    case 'uuid':
      return (value) => (typeof value === 'string' && UUID.test(value) ? `'${value}'` : sqlLiteral(value));
    case 'int':
    case 'integer':
      return (value) => (typeof value === 'number' && Number.isSafeInteger(value) ? `'${value}'` : sqlLiteral(value));
    default:
      return sqlLiteral;
  }
};

interface Plan {
  head: string;
  columns: Array<{ property: string; literal: Literal }>;
  /** For updates: the table, the quoted column names and the SQL type each value is cast to. */
  table: string;
  names: string[];
  casts: string[];
  primary: string[];
}

const plans = new WeakMap<EntitySchema<ObjectLiteral>, Plan>();

const planFor = <Row extends ObjectLiteral>(manager: EntityManager, schema: EntitySchema<Row>): Plan => {
  const known = plans.get(schema);
  if (known !== undefined) return known;
  const metadata = manager.connection.getMetadata(schema);
  const plan: Plan = {
    head: `INSERT INTO "${metadata.tableName}" (${metadata.columns.map((column) => `"${column.databaseName}"`).join(', ')}) VALUES `,
    columns: metadata.columns.map((column) => ({ property: column.propertyName, literal: literalFor(typeof column.type === 'string' ? column.type : '') })),
    table: metadata.tableName,
    names: metadata.columns.map((column) => `"${column.databaseName}"`),
    // A VALUES list types its quoted literals as text: each is cast back to its column's type.
    casts: metadata.columns.map((column) => (typeof column.type === 'string' && /^[a-z ]+$/.test(column.type) ? `::${column.type}` : '')),
    primary: metadata.columns.filter((column) => column.isPrimary).map((column) => `"${column.databaseName}"`),
  };
  plans.set(schema, plan);
  return plan;
};

/**
 * Inserts many rows in one statement, `INSERT … VALUES (…), (…)`, with the values written as
 * literals (each takes its column's type, as a parameter would). TypeORM's multi-row insert
 * builds one parameter per value and names every column through its metadata on each call, which
 * cost more than the round trip saved on the large batches of the ingest path. Inside a
 * transaction the statement is held back until the next one that needs an answer.
 */
const valuesOf = <Row extends ObjectLiteral>(columns: Plan['columns'], rows: readonly Row[]): string => {
  let sql = '';
  for (let r = 0; r < rows.length; r += 1) {
    const row = rows[r]!;
    sql += r === 0 ? '(' : ', (';
    for (let c = 0; c < columns.length; c += 1) {
      const column = columns[c]!;
      sql += (c === 0 ? '' : ', ') + column.literal(row[column.property]);
    }
    sql += ')';
  }
  return sql;
};

export const bulkInsert = async <Row extends ObjectLiteral>(manager: EntityManager, schema: EntitySchema<Row>, rows: readonly Row[]): Promise<void> => {
  if (rows.length === 0) return;
  const { head, columns } = planFor(manager, schema);
  await execute(manager, head + valuesOf(columns, rows));
};

