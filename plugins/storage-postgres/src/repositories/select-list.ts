import type { EntityManager, EntitySchema, ObjectLiteral } from 'typeorm';

const lists = new WeakMap<EntitySchema<ObjectLiteral>, string>();

/**
 * `"column" AS "property", …` for every column of `schema`, for hand-written SELECTs on hot paths:
 * rows come back shaped like TypeORM's, without its query builder and entity hydration per call.
 */
export const selectList = <Row extends ObjectLiteral>(manager: EntityManager, schema: EntitySchema<Row>, alias?: string): string => {
  const cached = alias === undefined ? lists.get(schema) : undefined;
  if (cached !== undefined) return cached;
  const prefix = alias === undefined ? '' : `${alias}.`;
  const list = manager.connection
    .getMetadata(schema)
    .columns.map((column) => `${prefix}"${column.databaseName}" AS "${column.propertyName}"`)
    .join(', ');
  if (alias === undefined) lists.set(schema, list);
  return list;
};
