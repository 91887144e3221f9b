import { hash } from 'node:crypto';
import { canonicalJson } from '../ledger/hash-chain.js';
import { ALL_LEGACY_ENTITIES, type LegacyEntity, type LegacyFailure, type LegacyRecord } from '../plugin-api/legacy-source.port.js';

export const MIGRATION_MODES = ['demo', 'full', 'delta'] as const;
export type MigrationMode = (typeof MIGRATION_MODES)[number];
export const MIGRATION_STATUSES = ['running', 'done', 'failed', 'cancelled'] as const;
export type MigrationStatus = (typeof MIGRATION_STATUSES)[number];

/** The report's names of the entities (plural, as people count them). */
export const REPORT_NAMES: Readonly<Record<LegacyEntity, string>> = {
  organization: 'organizations',
  staff: 'staff',
  department: 'departments',
  topic: 'topics',
  user: 'users',
  ticket: 'tickets',
  entry: 'entries',
};

/** What one run did to one entity, and the content checksums of both sides over what it read. */
export interface EntityCounters {
  /** How many the source holds (its `describe()` at the start of the run). */
  source: number;
  /** How many records of this source the hub holds after the run. */
  hub: number;
  read: number;
  created: number;
  updated: number;
  unchanged: number;
  skipped: number;
  failed: number;
  /** Legacy users that joined a customer the hub already had, by a shared address. */
  joined?: number;
  /**
   * Order-independent sums (mod 2^64, hex) of the content hashes of the records this run read: as
   * the source gave them, and as the hub holds them after the run. Equal when the hub holds exactly
   * what was read.
   */
  checksum: { source: string; hub: string };
}

export const emptyCounters = (): EntityCounters => ({
  source: 0,
  hub: 0,
  read: 0,
  created: 0,
  updated: 0,
  unchanged: 0,
  skipped: 0,
  failed: 0,
  checksum: { source: ZERO_SUM, hub: ZERO_SUM },
});

/** A row not imported (failed) or left out on purpose (skipped), with the reason. */
export interface MigrationFailure extends LegacyFailure {
  outcome: 'failed' | 'skipped' | 'warning';
}

/** Where a run stands: the phase it is in and the source's cursor of that phase. Committed with each batch. */
export interface MigrationCheckpoint {
  /** The entity being read (full, demo) or null for a delta. */
  entity: LegacyEntity | null;
  cursor: string | null;
  /** delta: the source's watermark after the last committed batch. */
  watermark: string | null;
  /** demo: the sampled ticket and user ids, chosen before anything is imported. */
  sample?: { tickets: string[]; users: string[] } | undefined;
}

export interface MigrationProgress {
  /** Records read so far, all entities. */
  read: number;
  /** Records the source holds, all entities the run reads (an estimate for a delta). */
  total: number;
  /** 0–100. */
  percent: number;
  entity: LegacyEntity | null;
}

export interface MigrationRun {
  id: string;
  /** The legacy plugin instance id (`osticket`). */
  source: string;
  /** The source's system name (`osticket`), known once the run has described the source. */
  system: string | null;
  mode: MigrationMode;
  dryRun: boolean;
  /** demo: how many tickets. */
  sample: number | null;
  /** A final delta of a cutover: the source is retired when it ends done. */
  cutover: boolean;
  status: MigrationStatus;
  cancelRequested: boolean;
  checkpoint: MigrationCheckpoint;
  /** full: the source's watermark taken before the first read; the next delta starts there. */
  startWatermark: string | null;
  counters: Partial<Record<LegacyEntity, EntityCounters>>;
  progress: MigrationProgress;
  error: string | null;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

/** A legacy source as the hub keeps track of it: where its deltas start, whether it is retired. */
export interface MigrationSourceState {
  source: string;
  /** Where the next delta starts (the source's own watermark); null before the first full run. */
  watermark: string | null;
  retiredAt: Date | null;
  lastRunId: string | null;
  /** When the scheduled delta last started. */
  lastSyncAt: Date | null;
  updatedAt: Date;
}

/**
 * What the hub made of one legacy record: `legacy:<system>:<entity>:<id>` → the hub's id (customer,
 * conversation, interaction) and the content hash of the record as last imported. Re-runs compare
 * against it, which makes them idempotent.
 */
export interface LegacyMapping {
  externalId: string;
  system: string;
  entity: LegacyEntity;
  hubId: string | null;
  contentHash: string;
  /** Small facts later batches need (a ticket's channel, a user's join). */
  data: Record<string, unknown>;
  runId: string;
  updatedAt: Date;
}

/** The reconciliation report of a run: per entity, and every failed or skipped row with its reason. */
export interface ReconciliationReport {
  runId: string;
  source: string;
  mode: MigrationMode;
  dryRun: boolean;
  status: MigrationStatus;
  entities: Record<string, Omit<EntityCounters, 'read'> & { read: number }>;
  failures: { entity: string; sourceId: string; reason: string }[];
  /** Rows imported with something left out (an address that is not one). */
  warnings: { entity: string; sourceId: string; reason: string }[];
}

const MOD = 1n << 64n;
export const ZERO_SUM = '0000000000000000';

/** The content hash of a record as imported: its canonical JSON, without the hub-irrelevant `entity`. */
export const recordHash = (record: LegacyRecord): string => hash('sha256', canonicalJson(record), 'hex');

/** Adds a content hash to an order-independent checksum. */
export const addToSum = (sum: string, contentHash: string): string => ((BigInt(`0x${sum}`) + BigInt(`0x${contentHash.slice(0, 16)}`)) % MOD).toString(16).padStart(16, '0');

/** Builds the report of a run from its counters and failures. */
export const reportOf = (run: MigrationRun, failures: readonly MigrationFailure[]): ReconciliationReport => {
  const entities: ReconciliationReport['entities'] = {};
  for (const entity of ALL_LEGACY_ENTITIES) {
    const counters = run.counters[entity];
    if (counters !== undefined) entities[REPORT_NAMES[entity]] = counters;
  }
  const row = (f: MigrationFailure) => ({ entity: REPORT_NAMES[f.entity], sourceId: f.sourceId, reason: f.reason });
  return {
    runId: run.id,
    source: run.source,
    mode: run.mode,
    dryRun: run.dryRun,
    status: run.status,
    entities,
    failures: failures.filter((f) => f.outcome !== 'warning').map(row),
    warnings: failures.filter((f) => f.outcome === 'warning').map(row),
  };
};

/** The report as CSV: one line per entity, then one per failure (RFC 4180 quoting). */
export const reportCsv = (report: ReconciliationReport): string => {
  const cell = (value: string | number) => {
    const text = String(value);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const lines = [['entity', 'source', 'hub', 'read', 'created', 'updated', 'unchanged', 'skipped', 'failed', 'checksum_source', 'checksum_hub'].join(',')];
  for (const [name, c] of Object.entries(report.entities)) {
    lines.push([name, c.source, c.hub, c.read, c.created, c.updated, c.unchanged, c.skipped, c.failed, c.checksum.source, c.checksum.hub].map(cell).join(','));
  }
  lines.push('');
  lines.push(['kind', 'entity', 'source_id', 'reason'].join(','));
  for (const f of report.failures) lines.push(['failure', f.entity, f.sourceId, f.reason].map(cell).join(','));
  for (const f of report.warnings) lines.push(['warning', f.entity, f.sourceId, f.reason].map(cell).join(','));
  return `${lines.join('\r\n')}\r\n`;
};
