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
