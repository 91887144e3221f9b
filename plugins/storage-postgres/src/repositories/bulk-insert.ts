import type { EntityManager, EntitySchema, ObjectLiteral } from 'typeorm';
import { execute, sqlLiteral } from '../statement-batch.js';

/**
 * Inserts many rows in one statement, `INSERT … VALUES (…), (…)`, with the values written as
 * literals (each takes its column's type, as a parameter would). TypeORM's multi-row insert
 * builds one parameter per value and names every column through its metadata on each call, which
 * cost more than the round trip saved on the large batches of the ingest path. Inside a
 * transaction the statement is held back until the next one that needs an answer.
 */
export const bulkInsert = async <Row extends ObjectLiteral>(manager: EntityManager, schema: EntitySchema<Row>, rows: readonly Row[]): Promise<void> => {
  if (rows.length === 0) return;
  const metadata = manager.connection.getMetadata(schema);
  const columns = metadata.columns.map((column) => ({ property: column.propertyName, json: column.type === 'jsonb' || column.type === 'json' }));
  const names = metadata.columns.map((column) => `"${column.databaseName}"`).join(', ');
  const values = rows.map((row) => {
    const literals = columns.map(({ property, json }) => {
      const value: unknown = row[property];
      // A JSON column takes the document's text; pg would send a JS array as a PostgreSQL array.
      return sqlLiteral(json && value !== null && value !== undefined ? JSON.stringify(value) : value);
    });
    return `(${literals.join(', ')})`;
  });
  await execute(manager, `INSERT INTO "${metadata.tableName}" (${names}) VALUES ${values.join(', ')}`);
};
