import type { FindOptionsWhere, ObjectLiteral, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { execute } from '../statement-batch.js';

/**
 * `repository.update(criteria, changes)`, held back inside a transaction until its next statement
 * that needs an answer (no caller reads how many rows changed).
 */
export const updateRows = async <Row extends ObjectLiteral>(rows: Repository<Row>, criteria: FindOptionsWhere<Row>, changes: QueryDeepPartialEntity<Row>): Promise<void> => {
  const [sql, params] = rows.createQueryBuilder().update().set(changes).where(criteria).updateEntity(false).getQueryAndParameters();
  await execute(rows.manager, sql, params);
};
