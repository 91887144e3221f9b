import mysql from 'mysql2/promise';
import { OsticketLegacySource, type OsticketSourceOptions } from '@switchboard/legacy-osticket';
import { createMariadbDatabase, createOsticketSchema, generateOsticketData, type MariadbServer, type OsticketDataOptions, type OsticketDataSummary } from '@switchboard/legacy-osticket/testing';

export interface OsticketDatabase {
  options: OsticketSourceOptions;
  /** The source's own user, for changing data behind the source's back. */
  sql: mysql.Connection;
  source: OsticketLegacySource;
  summary: OsticketDataSummary;
  dispose(): Promise<void>;
}

/** A fresh osTicket database on the MariaDB server, filled by the realistic generator. */
export const osticketDatabase = async (server: MariadbServer, data: OsticketDataOptions): Promise<OsticketDatabase> => {
  const db = await createMariadbDatabase(server);
  const sql = await mysql.createConnection({ host: db.host, port: db.port, user: db.user, password: db.password, database: db.database, charset: 'utf8mb4', dateStrings: true });
  await createOsticketSchema(sql, 'ost_');
  const summary = await generateOsticketData(sql, data);
  const options: OsticketSourceOptions = { host: db.host, port: db.port, user: db.user, password: db.password, database: db.database, tablePrefix: 'ost_', timezone: 'Z' };
  const source = new OsticketLegacySource(options);
  return {
    options,
    sql,
    source,
    summary,
    async dispose() {
      await source.close();
      await sql.end();
      await db.drop();
    },
  };
};
