import { QueryFailedError, QueryResult, type EntityManager, type QueryRunner } from 'typeorm';

/*
 * Fewer round trips per transaction. On this kind of host a round trip to the database costs far
 * more than the statement it carries (each socket write wakes the other process), so statements
 * whose answer nobody waits for are held back and sent together with the next statement that
 * needs an answer, as one multi-statement simple query:
 *
 *   BEGIN                    held
 *   lock identities          held
 *   find identities          sent: "BEGIN; SELECT pg_advisory_xact_lock…; SELECT … FROM identities"
 *   insert customers …       held
 *   insert interactions …    held
 *   COMMIT                   sent: "INSERT …; INSERT …; COMMIT"
 *
 * PostgreSQL runs the statements of one simple query in order, each with its own snapshot, so a
 * lock held back is taken before the read that follows it, and a read sees the writes held back
 * before it. What changes is only when an error of a held-back statement surfaces: at the next
 * statement sent, or at COMMIT, and always inside the transaction, which then rolls back.
 *
 * Parameters are written into the SQL as quoted literals. A quoted literal has type `unknown`
 * until its context decides, exactly as a parameter sent without a type does, so the statement
 * means the same; the text of each value is what `pg` itself would send.
 */

/** The text form PostgreSQL parses for a value, as `pg` sends parameters. */
const textOf = (value: unknown): string => {
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return `\\x${value.toString('hex')}`;
  if (Array.isArray(value)) return `{${value.map(arrayElement).join(',')}}`;
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
};

const ARRAY_ELEMENT_SPECIALS = /[\\"]/;

const arrayElement = (value: unknown): string => {
  if (value === null || value === undefined) return 'NULL';
  if (Array.isArray(value)) return textOf(value);
  const text = textOf(value);
  return `"${ARRAY_ELEMENT_SPECIALS.test(text) ? text.replace(/[\\"]/g, (c) => `\\${c}`) : text}"`;
};

/**
 * A quoted literal of `text`, safe whatever `standard_conforming_strings` says: quotes are
 * doubled, and backslashes doubled inside an E'' string (as pg's escapeLiteral, without its
 * character-by-character loop).
 */
const quote = (text: string): string => {
  const quoted = text.includes("'") ? text.replace(/'/g, "''") : text;
  return text.includes('\\') ? ` E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`;
};

export const sqlLiteral = (value: unknown): string => (value === null || value === undefined ? 'NULL' : quote(textOf(value)));

// A quoted string or identifier, a line comment, or a $n placeholder not inside a word.
const TOKEN = /'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|(?<![\w$])\$(\d+)/g;

/**
 * Writes `$n` placeholders as literals. Quoted strings, quoted identifiers and comments are left
 * alone; the statements of this plugin use no dollar-quoted strings.
 */
export const inlineParameters = (sql: string, params: readonly unknown[] | undefined): string => {
  if (params === undefined || params.length === 0) return sql;
  return sql.replace(TOKEN, (token: string, number: string | undefined) => {
    if (number === undefined) return token;
    const n = Number(number);
    if (n < 1 || n > params.length) throw new Error(`placeholder $${n} has no parameter (${params.length} given)`);
    return sqlLiteral(params[n - 1]);
  });
};

/** A statement up to its first literal (no data), for error messages and logs. */
const outline = (statement: string): string => {
  const cut = statement.search(/ ?E?'/);
  return `${(cut === -1 ? statement : `${statement.slice(0, cut)} …`).slice(0, 120)}`;
};

interface PgLikeResult {
  rows?: unknown[];
  rowCount?: number | null;
  command?: string;
}

/** A `pg` client answers a multi-statement query with one result per statement; PGlite's shim has `queryAll`. */
interface PgLikeConnection {
  query(sql: string): Promise<PgLikeResult | PgLikeResult[]>;
  queryAll?(sql: string): Promise<PgLikeResult[]>;
}

/** What TypeORM's own `query` answers for a `pg` result. */
const shape = (raw: PgLikeResult | undefined, structured: boolean | undefined): unknown => {
  const result = new QueryResult();
  if (raw) {
    if (raw.rows !== undefined) result.records = raw.rows;
    if (raw.rowCount !== undefined && raw.rowCount !== null) result.affected = raw.rowCount;
    result.raw = raw.command === 'DELETE' || raw.command === 'UPDATE' ? [raw.rows, raw.rowCount] : raw.rows;
    if (!structured) return result.raw;
  }
  return result;
};

interface Waiting {
  text: string;
  structured: boolean | undefined;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type RunnerQuery = (sql: string, params?: unknown[], structured?: boolean) => Promise<unknown>;

const batches = new WeakMap<QueryRunner, StatementBatch>();

/**
 * The round trips of one transaction's query runner: held-back statements, and reads asked for
 * together (in one turn of the microtask queue, e.g. under `Promise.all`), go out as one
 * multi-statement query.
 */
export class StatementBatch {
  private held: string[] = [];
  private waiting: Waiting[] = [];
  private flushing = false;
  /** Whether BEGIN has reached the server (until then a rollback has nothing to undo). */
  private begun = false;
  /** Why statements sent ahead failed: the reason every later answer of the transaction gives. */
  private aheadFailure: unknown = undefined;
  /** The query on the wire, if any: the next one waits for its answer (a connection runs one at a time). */
  private inFlight: Promise<void> = Promise.resolve();

  private constructor(
    private readonly runner: QueryRunner,
    private readonly original: RunnerQuery,
  ) {}

  /** Makes `runner` batch its statements as described above. Install before the transaction starts. */
  static install(runner: QueryRunner): StatementBatch {
    const batch = new StatementBatch(runner, runner.query.bind(runner) as RunnerQuery);
    runner.query = ((sql: string, params?: unknown[], structured?: boolean) => batch.query(sql, params, structured)) as QueryRunner['query'];
    batches.set(runner, batch);
    return batch;
  }

  /** The batch of a transaction's runner, if it has one. */
  static of(runner: QueryRunner | undefined): StatementBatch | undefined {
    return runner === undefined ? undefined : batches.get(runner);
  }

  /** Holds a statement whose answer is not needed until the next one that is sent. */
  defer(sql: string, params?: readonly unknown[]): void {
    this.held.push(inlineParameters(sql, params));
  }

  /**
   * Sends what is held now, without waiting for the answer: the server works on it while the
   * caller builds what follows. A failure surfaces at the next statement that needs an answer (or
   * at COMMIT), as for a statement held back.
   */
  sendAhead(): void {
    const last = this.held.pop();
    if (last === undefined) return;
    const answered = new Promise((resolve, reject) => this.waiting.push({ text: last, structured: undefined, resolve, reject }));
    answered.catch((error: unknown) => {
      this.aheadFailure ??= error;
    });
    // Now, not after this turn of the microtask queue: the caller goes on without yielding to I/O.
    void this.flush();
  }

  private async query(sql: string, params: unknown[] | undefined, structured: boolean | undefined): Promise<unknown> {
    switch (sql) {
      case 'START TRANSACTION':
        this.held = ['BEGIN'];
        this.begun = false;
        this.aheadFailure = undefined;
        return shape(undefined, structured);
      case 'COMMIT':
        // Nothing reached the server and only BEGIN is held: there is nothing to commit.
        if (!this.begun && this.held.length <= 1 && this.waiting.length === 0) {
          this.held = [];
          return shape(undefined, structured);
        }
        return this.ask('COMMIT', structured);
      case 'ROLLBACK':
        this.held = [];
        if (!this.begun) return shape(undefined, structured);
        this.begun = false;
        await this.inFlight;
        return this.original(sql, params, structured);
      default:
        return this.ask(inlineParameters(sql, params), structured);
    }
  }

  private ask(text: string, structured: boolean | undefined): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ text, structured, resolve, reject });
      if (this.flushing) return;
      this.flushing = true;
      // After every promise continuation now queued has run: reads asked for together go together.
      process.nextTick(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const held = this.held;
    const waiting = this.waiting;
    this.held = [];
    this.waiting = [];
    this.flushing = false;
    // A flush was due, but a send ahead took everything first.
    if (waiting.length === 0) {
      this.held = held;
      return;
    }
    if (held[0] === 'BEGIN') this.begun = true;
    const statements = [...held, ...waiting.map((w) => w.text)];
    const text = statements.join(';\n');
    const previous = this.inFlight;
    let answered = () => {};
    this.inFlight = new Promise((resolve) => {
      answered = resolve;
    });
    try {
      await previous;
      const connection = (await this.runner.connect()) as PgLikeConnection;
      let results: PgLikeResult[];
      if (connection.queryAll !== undefined) {
        results = await connection.queryAll(text);
      } else {
        const raw = await connection.query(text);
        results = Array.isArray(raw) ? raw : [raw];
      }
      // One result per statement: the last ones answer the reads, in the order they were asked.
      const answers = results.slice(results.length - waiting.length);
      waiting.forEach((w, i) => {
        // PostgreSQL answers COMMIT of a failed transaction with ROLLBACK, not an error: make it one,
        // so a caller that swallowed the failure of a statement cannot believe its work was kept.
        if (w.text === 'COMMIT' && answers[i]?.command === 'ROLLBACK') {
          w.reject(this.aheadFailure ?? new Error('the transaction was rolled back: one of its statements failed'));
        } else {
          w.resolve(shape(answers[i], w.structured));
        }
      });
    } catch (error) {
      // The statements carry customers' words as literals: the error names them only up to the first literal.
      // After statements sent ahead failed, the later ones fail only because the transaction is aborted.
      const failure = this.aheadFailure ?? new QueryFailedError(statements.map(outline).join('; '), [], error as Error);
      for (const w of waiting) w.reject(failure);
    } finally {
      answered();
    }
  }
}

/** Sends the statements `manager`'s batching transaction holds now, without waiting (see `sendAhead`). */
export const sendAhead = (manager: EntityManager): void => {
  StatementBatch.of(manager.queryRunner)?.sendAhead();
};

/**
 * Runs a statement whose result nobody reads (a write, a lock): held back when `manager` is bound
 * to a batching transaction, else run at once.
 */

export const execute = async (manager: EntityManager, sql: string, params: readonly unknown[] = []): Promise<void> => {
  const batch = StatementBatch.of(manager.queryRunner);
  if (batch === undefined) await manager.query(sql, [...params]);
  else batch.defer(sql, params);
};
