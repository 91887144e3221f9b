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

/** Where an export reads: a store, and its snapshot where it has one (see `Store.snapshot`). */
export type ExportSource = Transactions<PortabilitySession> & {
  snapshot?: (<T>(work: (session: PortabilitySession) => Promise<T>) => Promise<T>) | undefined;
};

interface Reader {
  read<T>(work: (session: PortabilitySession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Reads on one snapshot held open until `close()`: the snapshot's callback waits for it, so the
 * generator can yield lines between reads.
 */
const snapshotReader = async (snapshot: NonNullable<ExportSource['snapshot']>): Promise<Reader> => {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let ready: (session: PortabilitySession) => void = () => {};
  const opened = new Promise<PortabilitySession>((resolve) => {
    ready = resolve;
  });
  const done = snapshot(async (session) => {
    ready(session);
    await released;
  });
  const early = done.then(() => {
    throw new Error('the snapshot ended before the export began');
  });
  early.catch(() => {}); // once the snapshot is open this one is of no interest: close() awaits `done` itself
  const session = await Promise.race([opened, early]);
  return {
    read: (work) => work(session),
    async close() {
      release();
      await done;
    },
  };
};

/** Each read on its own: a running hub is never held up, but rows written meanwhile may or may not be seen. */
const pageReader = (store: ExportSource): Reader => ({ read: (work) => store.read(work), close: async () => {} });

/** One table page after page. */
async function* pages<T extends PortableTable>(reader: Reader, table: T, limit: number): AsyncGenerator<PortableRows[T][]> {
  let after: RowKey | null = null;
  for (;;) {
    const cursor: RowKey | null = after;
    const rows: PortableRows[T][] = await reader.read((session) => session.portability.pageAfter(table, cursor, limit));
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
 * On a store with snapshots (PostgreSQL) every read is of one snapshot taken at the start, so the
 * file is exactly the hub as it was then, while the hub goes on serving. Elsewhere (PGlite, whose
 * one connection a snapshot would hold) each page is its own read: rows written while the export
 * runs may or may not be in it; for an exact copy, export a hub that takes no traffic.
 */
export async function* exportHub(store: ExportSource, options: ExportHubOptions): AsyncGenerator<string> {
  const limit = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const reader = store.snapshot === undefined ? pageReader(store) : await snapshotReader(store.snapshot);
  try {
    yield* writeExport(reader, options, limit);
  } finally {
    await reader.close();
  }
}

async function* writeExport(reader: Reader, options: ExportHubOptions, limit: number): AsyncGenerator<string> {
  const hash = createHash('sha256');
  const emit = (line: string): string => {
    hash.update(line);
    return line;
  };
  const before = await reader.read(async (session) => {
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
    for await (const rows of pages(reader, section, limit)) {
      for (const row of rows) yield emit(recordLine(section, row));
      written[section] += rows.length;
      records += rows.length;
    }
  }
  const trailer: ExportTrailer = { type: 'trailer', counts: written, records, sha256: hash.digest('hex') };
  yield `${JSON.stringify(trailer)}\n`;
}
