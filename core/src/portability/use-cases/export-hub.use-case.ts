import { createHash } from 'node:crypto';
import type { Clock } from '../../shared/ports/clock.port.js';
import type { Transactions } from '../../shared/ports/transactions.port.js';
import { EXPORT_FORMAT, EXPORT_FORMAT_VERSION, EXPORT_SECTIONS, recordLine, type ExportHeader, type ExportTrailer } from '../export-format.js';
import { rowKey, type PortabilitySession, type PortableRows, type PortableTable, type RowKey } from '../ports/portability-store.port.js';

export interface ExportHubOptions {
  clock: Clock;
  /** The hub's version, written into the header. */
  hubVersion: string;
  /** Rows read per page (each page is one short read: a running hub is never held up). */
  pageSize?: number | undefined;
}

const DEFAULT_PAGE_SIZE = 500;

type Counts = Record<PortableTable, number>;

/** One table page after page, each page a read of its own. */
async function* pages<T extends PortableTable>(store: Transactions<PortabilitySession>, table: T, limit: number): AsyncGenerator<PortableRows[T][]> {
  let after: RowKey | null = null;
  for (;;) {
    const cursor: RowKey | null = after;
    const rows: PortableRows[T][] = await store.read((session) => session.portability.pageAfter(table, cursor, limit));
    if (rows.length > 0) yield rows;
    if (rows.length < limit) return;
    after = rowKey(table, rows.at(-1)!);
  }
}

/**
 * The whole hub as JSON Lines (docs/export-format.md): a header, every row of every section in key
 * order, then a trailer with the counts and a SHA-256 of everything before it, so that a reader
 * can tell a complete file from a cut one. Yields one line at a time (newline included) and reads
 * the store a page at a time, so memory stays flat however large the hub.
 *
 * Each page is its own read: rows written while the export runs may or may not be in it. For an
 * exact copy, export a hub that takes no traffic.
 */
export async function* exportHub(store: Transactions<PortabilitySession>, options: ExportHubOptions): AsyncGenerator<string> {
  const limit = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const hash = createHash('sha256');
  const emit = (line: string): string => {
    hash.update(line);
    return line;
  };
  const before = await store.read(async (session) => {
    const counts = {} as Counts;
    for (const section of EXPORT_SECTIONS) counts[section] = await session.portability.count(section);
    return counts;
  });
  const header: ExportHeader = {
    type: 'header',
    format: EXPORT_FORMAT,
    formatVersion: EXPORT_FORMAT_VERSION,
    hubVersion: options.hubVersion,
    exportedAt: options.clock.now(),
    sections: [...EXPORT_SECTIONS],
    counts: before,
  };
  yield emit(`${JSON.stringify(header)}\n`);

  const written = {} as Counts;
  let records = 0;
  for (const section of EXPORT_SECTIONS) {
    written[section] = 0;
    for await (const rows of pages(store, section, limit)) {
      for (const row of rows) yield emit(recordLine(section, row));
      written[section] += rows.length;
      records += rows.length;
    }
  }
  const trailer: ExportTrailer = { type: 'trailer', counts: written, records, sha256: hash.digest('hex') };
  yield `${JSON.stringify(trailer)}\n`;
}
