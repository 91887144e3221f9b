import mysql from 'mysql2/promise';
import { createMariadbDatabase, createOsticketSchema, generateOsticketData, type MariadbDatabase, type MariadbServer, type OsticketDataOptions, type OsticketDataSummary } from '../testing/index.js';
import { OsticketLegacySource } from '../osticket-legacy-source.js';

export interface OsticketFixture {
  db: MariadbDatabase;
  /** A connection as the source's own user, for changing data behind the source's back. */
  sql: mysql.Connection;
  source: OsticketLegacySource;
  summary: OsticketDataSummary;
  dispose(): Promise<void>;
}

/** A fresh database with the osTicket schema, generated data and a source on it. */
export const osticketFixture = async (server: MariadbServer, data: OsticketDataOptions): Promise<OsticketFixture> => {
  const db = await createMariadbDatabase(server);
  let sql: mysql.Connection | undefined;
  let summary: OsticketDataSummary;
  const prefix = data.tablePrefix ?? 'ost_';
  try {
    sql = await mysql.createConnection({ host: db.host, port: db.port, user: db.user, password: db.password, database: db.database, charset: 'utf8mb4', dateStrings: true });
    await createOsticketSchema(sql, prefix);
    summary = await generateOsticketData(sql, data);
  } catch (error) {
    await sql?.end();
    await db.drop();
    throw error;
  }
  const source = new OsticketLegacySource({ host: db.host, port: db.port, user: db.user, password: db.password, database: db.database, tablePrefix: prefix, timezone: 'Z' });
  const connection = sql;
  return {
    db,
    sql: connection,
    source,
    summary,
    async dispose() {
      await source.close();
      await connection.end();
      await db.drop();
    },
  };
};
