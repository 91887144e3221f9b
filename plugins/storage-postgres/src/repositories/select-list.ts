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
