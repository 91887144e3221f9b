import { readKeyset, writeKeyset, type Keyset, type Page } from '@switchboard/core';

// Keyset pagination: a cursor holds the sort key of the last row served (timestamps or texts, then
// id), in the one format of the core (readKeyset/writeKeyset), so every store's cursors look alike.
export { readKeyset };

/** A positive whole page size; callers validate limits at the edge, this only keeps SQL sane. */
export const pageSize = (limit: number): number => (Number.isFinite(limit) ? Math.max(1, Math.floor(limit)) : 1);

/** Turns `size + 1` fetched rows into a page: the extra row only tells that there is a next page. */
export const toPage = <Row, Item>(rows: Row[], size: number, map: (row: Row) => Item, keyOf: (row: Row) => Keyset): Page<Item> => {
  const served = rows.slice(0, size);
  const last = served.at(-1);
  return {
    items: served.map(map),
    nextCursor: rows.length > size && last !== undefined ? writeKeyset(keyOf(last).keys, keyOf(last).id) : null,
  };
};

/** `$first, $first+1, …` for an IN list of raw SQL. */
export const placeholders = (count: number, first = 1): string =>
  Array.from({ length: count }, (_, i) => `$${first + i}`).join(', ');
