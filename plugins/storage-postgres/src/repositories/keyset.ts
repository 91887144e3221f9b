import { decodeCursor, encodeCursor, invalid, isId, type Page } from '@switchboard/core';

// Keyset pagination: a cursor holds the sort key of the last row served (timestamps, then id).

const badCursor = () =>
  invalid('PAGE.INVALID_CURSOR', 'the cursor is damaged or belongs to another list; ask again without it', 'cursor');

export interface Keyset {
  dates: Date[];
  id: string;
}

/** Reads a cursor made by `writeKeyset` with `dateCount` timestamps. */
export const readKeyset = (cursor: string, dateCount: number): Keyset => {
  const parts = decodeCursor(cursor);
  if (parts === null || parts.length !== dateCount + 1) throw badCursor();
  const dates = parts.slice(0, dateCount).map((part) => (typeof part === 'string' ? new Date(part) : new Date(Number.NaN)));
  const id = parts[dateCount];
  if (dates.some((d) => Number.isNaN(d.getTime())) || typeof id !== 'string' || !isId(id)) throw badCursor();
  return { dates, id };
};

export const writeKeyset = (dates: readonly Date[], id: string): string => encodeCursor([...dates.map((d) => d.toISOString()), id]);

/** A positive whole page size; callers validate limits at the edge, this only keeps SQL sane. */
export const pageSize = (limit: number): number => (Number.isFinite(limit) ? Math.max(1, Math.floor(limit)) : 1);

/** Turns `size + 1` fetched rows into a page: the extra row only tells that there is a next page. */
export const toPage = <Row, Item>(rows: Row[], size: number, map: (row: Row) => Item, keyOf: (row: Row) => Keyset): Page<Item> => {
  const served = rows.slice(0, size);
  const last = served.at(-1);
  return {
    items: served.map(map),
    nextCursor: rows.length > size && last !== undefined ? writeKeyset(keyOf(last).dates, keyOf(last).id) : null,
  };
};

/** `$first, $first+1, …` for an IN list of raw SQL. */
export const placeholders = (count: number, first = 1): string =>
  Array.from({ length: count }, (_, i) => `$${first + i}`).join(', ');
