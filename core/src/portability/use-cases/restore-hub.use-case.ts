import type { RoutingSession } from '../../routing/ports/routing-store.port.js';
import { createHash } from 'node:crypto';
import { isDomainError } from '../../shared/domain-error.js';
import type { Transactions } from '../../shared/ports/transactions.port.js';
import {
  EXPORT_FORMAT,
  EXPORT_FORMAT_VERSION,
  EXPORT_SECTIONS,
  ExportHeaderSchema,
  ExportTrailerSchema,
  isPortableTable,
  RECORD_SCHEMAS,
  recordFields,
  type ExportHeader,
} from '../export-format.js';
import { portabilityErrors } from '../portability.errors.js';
import type { PortabilitySession, PortableRows, PortableTable } from '../ports/portability-store.port.js';

/** The lines of an export file, without their line ends; reopened for each pass over the file. */
export type ExportLines = () => AsyncIterable<string>;

export interface RestoreProgress {
  phase: 'verify' | 'write';
  /** Records verified or written so far. */
  records: number;
  /** Records in the file (known once it is verified). */
  total: number | null;
}

export interface RestoreHubOptions {
  /** Records per transaction (default 500); a batch also ends once its lines reach `batchBytes`. */
  batchSize?: number | undefined;
  /** Characters of record lines per transaction (default 8 MiB), so a batch of large entries stays small. */
  batchBytes?: number | undefined;
  onProgress?: ((progress: RestoreProgress) => void) | undefined;
}

export interface RestoreResult {
  header: ExportHeader;
  /** Records written per type. */
  counts: Record<PortableTable, number>;
  records: number;
  /** Names of the hub's own unused queues that the file's queues of the same name replaced (the built-in `default`). */
  replacedQueues: string[];
}

interface Record_ {
  type: PortableTable;
  row: PortableRows[PortableTable];
  line: number;
}

const zeroCounts = (): Record<PortableTable, number> => Object.fromEntries(EXPORT_SECTIONS.map((s) => [s, 0])) as Record<PortableTable, number>;

const issueText = (error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string =>
  error.issues
    .slice(0, 3)
    .map((issue) => (issue.path.length === 0 ? issue.message : `${issue.path.map(String).join('.')}: ${issue.message}`))
    .join('; ');

const parseJson = (text: string, line: number): Record<string, unknown> => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw portabilityErrors.malformed(line, `not a JSON object (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw portabilityErrors.malformed(line, 'not a JSON object');
  return value as Record<string, unknown>;
};

const parseRecord = (text: string, line: number): Record_ | { trailer: Record<string, unknown> } => {
  const value = parseJson(text, line);
  const type = value['type'];
  if (type === 'trailer') return { trailer: value };
  if (type === 'header') throw portabilityErrors.malformed(line, 'a second header');
  if (!isPortableTable(type)) throw portabilityErrors.malformed(line, `unknown record type ${JSON.stringify(type)} (known: ${EXPORT_SECTIONS.join(', ')})`);
  const parsed = RECORD_SCHEMAS[type].safeParse(recordFields(type, value));
  if (!parsed.success) throw portabilityErrors.malformed(line, `${type}: ${issueText(parsed.error)}`);
  return { type, row: parsed.data as PortableRows[PortableTable], line };
};

const parseHeader = (text: string | undefined): ExportHeader => {
  if (text === undefined) throw portabilityErrors.truncated(0);
  const value = parseJson(text, 1);
  if (value['type'] !== 'header') throw portabilityErrors.malformed(1, 'the first line is not the header of a Switchboard export');
  if (value['format'] !== EXPORT_FORMAT) throw portabilityErrors.malformed(1, `format ${JSON.stringify(value['format'])} is not ${EXPORT_FORMAT}`);
  if (value['formatVersion'] !== EXPORT_FORMAT_VERSION) {
    throw portabilityErrors.malformed(1, `format version ${JSON.stringify(value['formatVersion'])}: this hub reads version ${EXPORT_FORMAT_VERSION}`);
  }
  const parsed = ExportHeaderSchema.safeParse(value);
  if (!parsed.success) throw portabilityErrors.malformed(1, `header: ${issueText(parsed.error)}`);
  return parsed.data;
};

/**
 * Pass one: reads the whole file without writing — every line parsed and validated, the trailer's
 * counts and checksum compared with what came before it. A cut or damaged file fails here, so
 * nothing is written.
 */
const verify = async (lines: ExportLines, onProgress: RestoreHubOptions['onProgress']) => {
  const hash = createHash('sha256');
  const counts = zeroCounts();
  const queueNames = new Set<string>();
  let header: ExportHeader | null = null;
  let line = 0;
  let records = 0;
  let trailer: Record<string, unknown> | null = null;
  for await (const text of lines()) {
    line += 1;
    if (trailer !== null) {
      if (text.trim() === '') continue;
      throw portabilityErrors.malformed(line, 'a line after the trailer');
    }
    if (line === 1) {
      header = parseHeader(text);
      hash.update(`${text}\n`);
      continue;
    }
    const parsed = parseRecord(text, line);
    if ('trailer' in parsed) {
      trailer = parsed.trailer;
      const checked = ExportTrailerSchema.safeParse(trailer);
      if (!checked.success) throw portabilityErrors.malformed(line, `trailer: ${issueText(checked.error)}`);
      const expected = checked.data;
      if (expected.records !== records) throw portabilityErrors.malformed(line, `the trailer counts ${expected.records} records, the file holds ${records}`);
      for (const section of EXPORT_SECTIONS) {
        if ((expected.counts[section] ?? 0) !== counts[section]) {
          throw portabilityErrors.malformed(line, `the trailer counts ${expected.counts[section] ?? 0} ${section} records, the file holds ${counts[section]}`);
        }
      }
      const actual = hash.digest('hex');
      if (expected.sha256 !== actual) throw portabilityErrors.malformed(line, 'the checksum does not match: the file was changed after it was written');
      continue;
    }
    hash.update(`${text}\n`);
    counts[parsed.type] += 1;
    records += 1;
    if (parsed.type === 'queue') queueNames.add((parsed.row as PortableRows['queue']).name);
    if (records % 10_000 === 0) onProgress?.({ phase: 'verify', records, total: null });
  }
  if (header === null) throw portabilityErrors.truncated(0);
  if (trailer === null) throw portabilityErrors.truncated(line);
  return { header, counts, records, queueNames };
};

/** What the hub holds besides what a restore may replace, e.g. `3 customer, 1 interaction`; empty when nothing. */
const heldData = async (session: PortabilitySession): Promise<string> => {
  const held: string[] = [];
  for (const section of EXPORT_SECTIONS) {
    if (section === 'queue') continue;
    const count = await session.portability.count(section);
    if (count > 0) held.push(`${count} ${section}`);
  }
  return held.join(', ');
};

/**
 * Restores an export (see `exportHub`) into an empty hub, keeping every id, time, sequence number,
 * digest and erasure tombstone, so that every chain verifies as it did. The file is read twice:
 * first verified whole (a malformed line is reported with its number, a cut file by its missing
 * trailer, and nothing is written), then written in batches, one transaction each. A hub holding
 * customers, conversations, agents or any other exported data is refused; its own queues may
 * stay, and one whose name the file also has (the built-in `default`) is replaced by the file's.
 */
export const restoreHub = async (store: Transactions<PortabilitySession & Pick<RoutingSession, 'routingRules'>>, lines: ExportLines, options: RestoreHubOptions = {}): Promise<RestoreResult> => {
  const batchSize = Math.max(1, options.batchSize ?? 500);
  const batchBytes = Math.max(1, options.batchBytes ?? 8 * 1024 * 1024);
  const checked = await verify(lines, options.onProgress);

  const held = await store.read(heldData);
  if (held !== '') throw portabilityErrors.notEmpty(held);

  const counts = zeroCounts();
  const replacedQueues: string[] = [];
  let written = 0;
  let first = true;
  let batch: Record_[] = [];
  let size = 0;
  const flush = async (): Promise<void> => {
    const pending = batch;
    batch = [];
    size = 0;
    const isFirst = first;
    first = false;
    try {
      await store.transaction(async (session) => {
        if (isFirst) {
          // Checked again under the transaction: nothing may have arrived since the check above.
          const late = await heldData(session);
          if (late !== '') throw portabilityErrors.notEmpty(late);
          for (let after: readonly (string | number)[] | null = null; ; ) {
            const queues: PortableRows['queue'][] = await session.portability.pageAfter('queue', after, 200);
            for (const queue of queues) {
              if (!checked.queueNames.has(queue.name)) continue;
              await session.portability.deleteQueue(queue.id);
              replacedQueues.push(queue.name);
            }
            if (queues.length < 200) break;
            after = [queues.at(-1)!.id];
          }
        }
        for (const section of EXPORT_SECTIONS) {
          const rows = pending.filter((r) => r.type === section).map((r) => r.row);
          if (rows.length > 0) await session.portability.insertMany(section, rows);
        }
        // Processes that hold the rules compiled read them again when the version moves.
        if (pending.some((r) => r.type === 'routing_rule')) await session.routingRules.bumpVersion();
      });
    } catch (error) {
      if (isDomainError(error) && error.code === 'PORTABILITY.HUB_NOT_EMPTY') throw error;
      throw portabilityErrors.writeFailed(pending.at(-1)?.line ?? 0, written, error);
    }
    for (const r of pending) counts[r.type] += 1;
    written += pending.length;
    options.onProgress?.({ phase: 'write', records: written, total: checked.records });
  };

  let line = 0;
  for await (const text of lines()) {
    line += 1;
    if (line === 1) continue;
    const parsed = parseRecord(text, line);
    if ('trailer' in parsed) break;
    batch.push(parsed);
    size += text.length;
    if (batch.length >= batchSize || size >= batchBytes) await flush();
  }
  // An export without records still replaces same-named queues and checks the hub, as one batch.
  if (batch.length > 0 || first) await flush();
  return { header: checked.header, counts, records: written, replacedQueues };
};
