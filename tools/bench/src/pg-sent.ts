import { createRequire } from 'node:module';

/**
 * Round trips and statements this process sends to PostgreSQL while `counting` is on, counted in
 * pg's connection (statement-batch.ts joins statements with ";\n"). Installed once, on import.
 */
export const pgSent = { counting: false, roundTrips: 0, statements: 0 };

{
  const Connection = createRequire(import.meta.url)('pg/lib/connection.js') as { prototype: { query(text: string): unknown; parse(query: { text?: string }): unknown; sync(): unknown } };
  const { query, parse, sync } = Connection.prototype;
  Connection.prototype.query = function (this: unknown, text: string) {
    if (pgSent.counting) {
      pgSent.roundTrips += 1;
      pgSent.statements += String(text).split(';\n').length;
    }
    return query.call(this, text);
  };
  Connection.prototype.parse = function (this: unknown, message: { text?: string }) {
    if (pgSent.counting) pgSent.statements += 1;
    return parse.call(this, message);
  };
  Connection.prototype.sync = function (this: unknown) {
    if (pgSent.counting) pgSent.roundTrips += 1;
    return sync.call(this);
  };
}
