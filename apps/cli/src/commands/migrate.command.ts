import cliProgress from 'cli-progress';
import { MIGRATION_MODES, ManageRouting, systemClock, type MigrationMode, type MigrationRun, type ReconciliationReport } from '@switchboard/core';
import type { HubParts } from '@switchboard/hub';
import { EXIT, UsageError, table, type CliIo } from '../cli-io.js';

export const MIGRATE_USAGE = `Usage:
  switchboard migrate SOURCE_INSTANCE --mode full|demo|delta [--sample N] [--dry-run] [--json]
      Imports a legacy source (a legacy plugin instance of the configuration) with a progress bar
      and ETA, then prints the reconciliation summary; exit code 1 when any row failed.
      demo: --sample N tickets with their customers (default 10). --dry-run writes nothing.
`;

export interface MigrateArgs {
  positionals: string[];
  mode: string | undefined;
  sample: string | undefined;
  dryRun: boolean;
  json: boolean;
  /** Progress on a terminal (a bar with ETA) or as plain lines. */
  tty: boolean;
}

const isMode = (mode: string): mode is MigrationMode => (MIGRATION_MODES as readonly string[]).includes(mode);

export const checkMigrateArgs = (args: MigrateArgs): void => {
  const usage = (message: string) => new UsageError(message, MIGRATE_USAGE);
  if (args.positionals.length !== 1) throw usage('migrate: give exactly one source instance id (see switchboard plugins list)');
  if (args.mode === undefined || !isMode(args.mode)) throw usage(`migrate: --mode must be one of ${MIGRATION_MODES.join(', ')}`);
  if (args.sample !== undefined && (args.mode !== 'demo' || !/^\d{1,6}$/.test(args.sample) || Number(args.sample) < 1)) throw usage('migrate: --sample N (1 to 999999) goes with --mode demo');
};

const POLL_MS = 500;

/** The summary table of a report, one line per entity. */
export const summaryOf = (report: ReconciliationReport): string =>
  table(
    ['ENTITY', 'SOURCE', 'HUB', 'READ', 'CREATED', 'UPDATED', 'UNCHANGED', 'SKIPPED', 'FAILED', 'CHECKSUM'],
    Object.entries(report.entities).map(([name, c]) => [
      name,
      String(c.source),
      String(c.hub),
      String(c.read),
      String(c.created),
      String(c.updated),
      String(c.unchanged),
      String(c.skipped),
      String(c.failed),
      c.checksum.source === c.checksum.hub ? 'match' : `differs (${c.checksum.source} / ${c.checksum.hub})`,
    ]),
  );

export const runMigrate = async (parts: HubParts, args: MigrateArgs, io: CliIo): Promise<number> => {
  const [source] = args.positionals as [string];
  const mode = args.mode as MigrationMode;
  // Open tickets are queued: the queue the hub creates on its first start must exist.
  await new ManageRouting(parts.store, systemClock).ensureDefaultQueue();
  const started = await parts.migrations.start({ source, mode, dryRun: args.dryRun, sample: mode === 'demo' ? Number(args.sample ?? 10) : undefined });
  if (!args.json) io.stderr(`switchboard: migration run ${started.id} (${mode}${args.dryRun ? ', dry run' : ''}) of ${source}\n`);

  const bar =
    args.tty && !args.json
      ? new cliProgress.SingleBar(
          { format: ' {bar} {percentage}% | {value}/{total} records | {entity} | ETA {eta_formatted}', hideCursor: true, stream: { write: (text: string) => (io.stderr(text), true) } as unknown as NodeJS.WritableStream },
          cliProgress.Presets.shades_classic,
        )
      : null;
  let lastLine = '';
  const show = (run: MigrationRun) => {
    const { read, total, entity } = run.progress;
    if (bar !== null) {
      bar.setTotal(Math.max(total, read, 1));
      bar.update(read, { entity: entity ?? 'finishing' });
      return;
    }
    const line = `${run.progress.percent}% ${read}/${total} ${entity ?? ''}`.trim();
    if (!args.json && line !== lastLine) io.stderr(`switchboard: ${line}\n`);
    lastLine = line;
  };
  bar?.start(Math.max(started.progress.total, 1), 0, { entity: 'starting' });

  // The run goes here, in this process; should a hub worker take it over, this one follows it.
  const running = parts.migrationRunner.run(started.id);
  let ended: MigrationRun | null = null;
  const timer = setInterval(() => {
    parts.migrations.get(started.id).then(show, () => undefined);
  }, POLL_MS);
  try {
    ended = await running;
    while (ended !== null && ended.status === 'running') {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      ended = await parts.migrations.get(started.id);
    }
  } finally {
    clearInterval(timer);
    if (ended !== null) show(ended);
    bar?.stop();
  }
  const report = await parts.migrations.report(started.id);
  const failed = Object.values(report.entities).reduce((sum, c) => sum + c.failed, 0);
  if (args.json) io.stdout(`${JSON.stringify({ run: { id: started.id, status: report.status, error: ended?.error ?? null }, report })}\n`);
  else {
    io.stdout(`Migration ${started.id}: ${report.status}${ended?.error ? ` (${ended.error})` : ''}${report.dryRun ? ' — dry run, nothing written' : ''}\n`);
    io.stdout(summaryOf(report));
    if (report.failures.length > 0) {
      io.stdout(`\n${report.failures.length} row(s) not imported:\n`);
      io.stdout(table(['ENTITY', 'SOURCE ID', 'REASON'], report.failures.slice(0, 50).map((f) => [f.entity, f.sourceId, f.reason])));
      if (report.failures.length > 50) io.stdout(`… and ${report.failures.length - 50} more: GET /v1/migrations/${started.id}/report\n`);
    }
  }
  return report.status === 'done' && failed === 0 ? EXIT.ok : EXIT.failure;
};
