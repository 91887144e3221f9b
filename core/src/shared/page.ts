import { invalid, type DomainError } from './domain-error.js';
import { isId } from './ids.js';

export interface PageRequest {
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string | undefined;
  limit: number;
}
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Cursors are opaque to clients: base64url of a small JSON tuple. */
export const encodeCursor = (parts: readonly (string | number)[]): string =>
  Buffer.from(JSON.stringify(parts)).toString('base64url');

export const decodeCursor = (cursor: string): (string | number)[] | null => {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return Array.isArray(parsed) && parsed.every((p) => typeof p === 'string' || typeof p === 'number')
      ? (parsed as (string | number)[])
      : null;
  } catch {
    return null;
  }
};

/** The error a list answers for a cursor it did not make. */
export const invalidCursor = (): DomainError =>
  invalid('PAGE.INVALID_CURSOR', 'the cursor is damaged or belongs to another list; ask again without it', 'cursor');

/** A keyset cursor holds the sort key of the last row served: its timestamps and texts, then its id. */
export type KeysetPart = Date | string;
export type KeysetShape = readonly ('date' | 'text')[];
export interface Keyset {
  keys: KeysetPart[];
  id: string;
}

export const writeKeyset = (keys: readonly KeysetPart[], id: string): string =>
  encodeCursor([...keys.map((key) => (key instanceof Date ? key.toISOString() : key)), id]);

/** Reads a cursor made by `writeKeyset` whose keys are of the kinds in `shape`; anything else is `PAGE.INVALID_CURSOR`. */
export const readKeyset = (cursor: string, shape: KeysetShape): Keyset => {
  const parts = decodeCursor(cursor);
  if (parts === null || parts.length !== shape.length + 1) throw invalidCursor();
  const keys = shape.map((kind, i): KeysetPart => {
    const part = parts[i];
    if (typeof part !== 'string') throw invalidCursor();
    if (kind === 'text') return part;
    const date = new Date(part);
    if (Number.isNaN(date.getTime())) throw invalidCursor();
    return date;
  });
  const id = parts[shape.length];
  if (typeof id !== 'string' || !isId(id)) throw invalidCursor();
  return { keys, id };
};

/**
 * Every item of a paginated list, page after page: for the few callers that need a whole (small)
 * list, such as a check over all API keys at start-up.
 */
export const allPages = async <T>(list: (page: PageRequest) => Promise<Page<T>>, limit = 200): Promise<T[]> => {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await list({ cursor, limit });
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return items;
};
