import type { EntityManager, EntitySchema, ObjectLiteral } from 'typeorm';

const lists = new WeakMap<EntitySchema<ObjectLiteral>, string>();

/**
 * `"column" AS "property", …` for every column of `schema`, for hand-written SELECTs on hot paths:
 * rows come back shaped like TypeORM's, without its query builder and entity hydration per call.
 */
export const selectList = <Row extends ObjectLiteral>(manager: EntityManager, schema: EntitySchema<Row>): string => {
  const cached = lists.get(schema);
  if (cached !== undefined) return cached;
  const list = manager.connection
    .getMetadata(schema)
    .columns.map((column) => `"${column.databaseName}" AS "${column.propertyName}"`)
    .join(', ');
  lists.set(schema, list);
  return list;
};

/**
 * `alias."column" AS "<prefix>property", …`: several tables' rows in one result row, each read back
 * with `unprefixed` (pg still parses every column by its type, as for the table's own reads).
 */
export const prefixedSelectList = <Row extends ObjectLiteral>(manager: EntityManager, schema: EntitySchema<Row>, alias: string, prefix: string): string =>
  manager.connection
    .getMetadata(schema)
    .columns.map((column) => `${alias}."${column.databaseName}" AS "${prefix}${column.propertyName}"`)
    .join(', ');

/** The columns of `row` that carry `prefix`, without it; null when the joined row was absent (its key column is null). */
export const unprefixed = <Row>(row: Record<string, unknown>, prefix: string, key: string): Row | null => {
  if (row[`${prefix}${key}`] === null || row[`${prefix}${key}`] === undefined) return null;
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(row)) if (name.startsWith(prefix)) out[name.slice(prefix.length)] = value;
  return out as Row;
};
