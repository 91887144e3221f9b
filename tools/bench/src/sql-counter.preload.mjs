// Bench only: loaded into hub processes with `--import` (NODE_OPTIONS) by the ingest bench, never
// by the hub itself. Counts what the process sends to PostgreSQL (round trips, statements by kind)
// and to Redis (commands), and writes the counts to $BENCH_SQL_COUNTER_DIR/<pid>.json on SIGUSR2.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const dir = process.env.BENCH_SQL_COUNTER_DIR;
const require = createRequire(join(process.cwd(), 'package.json'));

const counts = { seq: 0, roundTrips: 0, statements: 0, kinds: {}, redisCommands: 0, redisKinds: {} };

const bump = (map, key) => {
  map[key] = (map[key] ?? 0) + 1;
};

const TABLE_AFTER_FROM = /\bFROM\s+"?([a-z_]+)"?/gi;

/** A short name for a statement: its verb and first table ("insert interactions", "lock", "select identities"). */
const kindOf = (statement) => {
  const head = statement.trimStart().slice(0, 4000);
  const verb = /^(BEGIN|START TRANSACTION|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)/i.exec(head);
  if (verb) return verb[1].toUpperCase();
  if (head.includes('pg_advisory_xact_lock')) return 'lock';
  const write = /^(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([a-z_]+)"?/i.exec(head);
  if (write) return `${write[1].split(/\s+/)[0].toLowerCase()} ${write[2]}`;
  for (const match of head.matchAll(TABLE_AFTER_FROM)) {
    if (match[1].toLowerCase() !== 'unnest') return `select ${match[1]}`;
  }
  return head.split(/\s+/)[0]?.toLowerCase() ?? '?';
};

if (dir) {
  try {
    const Connection = require('pg/lib/connection.js');
    const simple = Connection.prototype.query;
    // A simple query is one round trip, carrying one or more statements (statement-batch.ts joins them with ";\n").
    Connection.prototype.query = function query(text) {
      counts.roundTrips += 1;
      for (const statement of String(text).split(';\n')) {
        counts.statements += 1;
        bump(counts.kinds, kindOf(statement));
      }
      return simple.call(this, text);
    };
    const parse = Connection.prototype.parse;
    Connection.prototype.parse = function parseMessage(query) {
      counts.statements += 1;
      bump(counts.kinds, kindOf(String(query?.text ?? '')));
      return parse.call(this, query);
    };
    // An extended-protocol query ends with Sync: one round trip.
    const sync = Connection.prototype.sync;
    Connection.prototype.sync = function syncMessage() {
      counts.roundTrips += 1;
      return sync.call(this);
    };
  } catch (error) {
    process.stderr.write(`sql-counter: pg not patched: ${error}\n`);
  }
  try {
    const Redis = require('ioredis').default ?? require('ioredis');
    const send = Redis.prototype.sendCommand;
    Redis.prototype.sendCommand = function sendCommand(command, stream) {
      counts.redisCommands += 1;
      bump(counts.redisKinds, String(command?.name ?? '?'));
      return send.call(this, command, stream);
    };
  } catch (error) {
    process.stderr.write(`sql-counter: ioredis not patched: ${error}\n`);
  }
  process.on('SIGUSR2', () => {
    counts.seq += 1;
    writeFileSync(join(dir, `${process.pid}.json`), JSON.stringify(counts));
  });
}
