import { isId } from '../../shared/ids.js';
import { readKeyset, writeKeyset, type KeysetPart, type KeysetShape, type Page, type PageRequest } from '../../shared/page.js';

const GONE = Symbol('gone');

/** Values go in and come out as copies, so no caller can change what is stored behind the store's back. */
export const copy = <T>(value: T): T => structuredClone(value);

/** What a jsonb column makes of a value: dates become strings, `undefined` members disappear. */
export const asJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** A failed statement, as the database would report it: a unique key taken. */
export class ConstraintError extends Error {
  constructor(table: string, key: string) {
    super(`duplicate key value violates unique constraint of ${table}: ${key}`);
    this.name = 'ConstraintError';
  }
}

/**
 * One table as a session sees it. In a transaction, writes are buffered over the committed rows
 * and applied by `commit()` (or dropped); outside one, each write applies at once (autocommit).
 * Stored values are copies the store owns: repositories copy on the way in and on the way out.
 */
export class Rows<V> {
  private readonly changes = new Map<string, V | typeof GONE>();

  constructor(
    private readonly committed: Map<string, V>,
    private readonly buffered: boolean,
  ) {}

  get(key: string): V | undefined {
    const changed = this.changes.get(key);
    if (changed === GONE) return undefined;
    return changed ?? this.committed.get(key);
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  set(key: string, value: V): void {
    if (this.buffered) this.changes.set(key, value);
    else this.committed.set(key, value);
  }

  /**
   * Stores rows whose keys are all new (none stored, none given twice), or none of them, as a
   * multi-row INSERT into a primary key does; `store` makes the copy the table keeps.
   */
  insertNew(table: string, rows: readonly V[], keyOf: (row: V) => string, store: (row: V) => V = copy): void {
    const keys = new Set<string>();
    for (const row of rows) {
      const key = keyOf(row);
      if (this.has(key) || keys.has(key)) throw new ConstraintError(table, key);
      keys.add(key);
    }
    for (const row of rows) this.set(keyOf(row), store(row));
  }

  delete(key: string): void {
    if (this.buffered) this.changes.set(key, GONE);
    else this.committed.delete(key);
  }

  /** Every row, in no particular order: callers sort. */
  values(): V[] {
    const rows: V[] = [];
    for (const [key, value] of this.committed) if (!this.changes.has(key)) rows.push(value);
    for (const value of this.changes.values()) if (value !== GONE) rows.push(value);
    return rows;
  }

  commit(): void {
    for (const [key, value] of this.changes) {
      if (value === GONE) this.committed.delete(key);
      else this.committed.set(key, value);
    }
    this.changes.clear();
  }
}

/** A positive whole page size, as the SQL stores make it. */
export const pageSize = (limit: number): number => (Number.isFinite(limit) ? Math.max(1, Math.floor(limit)) : 1);

const compareParts = (a: KeysetPart, b: KeysetPart): number => {
  const [x, y] = a instanceof Date && b instanceof Date ? [a.getTime(), b.getTime()] : [String(a), String(b)];
  return x < y ? -1 : x > y ? 1 : 0;
};

/** Compares sort keys part by part (timestamps by time, texts by code unit), then by id. */
export const compareKeys = (a: { keys: readonly KeysetPart[]; id: string }, b: { keys: readonly KeysetPart[]; id: string }): number => {
  for (let i = 0; i < a.keys.length; i += 1) {
    const order = compareParts(a.keys[i]!, b.keys[i]!);
    if (order !== 0) return order;
  }
  return compareParts(a.id, b.id);
};

export interface Ordering<T> {
  /** The kinds of the sort key's parts, which its cursor carries (the id comes last). */
  shape: KeysetShape;
  key(row: T): { keys: KeysetPart[]; id: string };
  direction: 'asc' | 'desc';
}

/** A keyset page of `rows` in `order`, with the cursors the SQL stores make and accept. */
export const keysetPage = <T>(rows: readonly T[], order: Ordering<T>, page: PageRequest): Page<T> => {
  const sign = order.direction === 'asc' ? 1 : -1;
  const after = page.cursor === undefined ? null : readKeyset(page.cursor, order.shape);
  const sorted = [...rows]
    .filter((row) => after === null || sign * compareKeys(order.key(row), after) > 0)
    .sort((a, b) => sign * compareKeys(order.key(a), order.key(b)));
  const size = pageSize(page.limit);
  const served = sorted.slice(0, size);
  const last = served.at(-1);
  const lastKey = last === undefined ? null : order.key(last);
  return { items: served.map(copy), nextCursor: sorted.length > size && lastKey !== null ? writeKeyset(lastKey.keys, lastKey.id) : null };
};

/** Rows sorted by `by` (ascending; negate for descending), copied out, at most `limit`. */
export const sortedCopies = <T>(rows: readonly T[], by: (a: T, b: T) => number, limit?: number): T[] =>
  [...rows].sort(by).slice(0, limit === undefined ? undefined : pageSize(limit)).map(copy);

export const byTime = (a: Date | null, b: Date | null): number => (a?.getTime() ?? 0) - (b?.getTime() ?? 0);
export const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A lookup by a malformed id names no row (a uuid column would refuse it). */
export const validIds = (ids: readonly string[]): string[] => ids.filter(isId);
