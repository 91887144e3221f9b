import type { CrmBackfillProgress } from '@switchboard/core';
import type { HubParts } from '@switchboard/hub';
import { EXIT, UsageError, type CliIo } from '../cli-io.js';

export const CRM_USAGE = `Usage:
  switchboard crm backfill INSTANCE_ID [--since DATE] [--recheck] [--json]
      Logs the history of existing customers to a CRM instance (matching or creating contacts as
      the instance is configured), with a progress bar on stderr. Idempotent: what is logged is not
      logged again; run it again after a failure. --recheck: look for each entry in the CRM before
      creating it (a hub restored from an export into the same CRM account; slower).
`;

export interface CrmArgs {
  action: string | undefined;
  positionals: string[];
  since?: string | undefined;
  recheck?: boolean | undefined;
  json: boolean;
}

export const checkCrmArgs = (args: CrmArgs): void => {
  const usage = (message: string) => new UsageError(message, CRM_USAGE);
  if (args.action === undefined) throw usage('crm: name an action: backfill');
  if (args.action !== 'backfill') throw usage(`crm: unknown action '${args.action}'`);
  if (args.positionals.length !== 1) throw usage('crm backfill: give exactly one CRM instance id (see switchboard plugins list)');
  if (args.since !== undefined && Number.isNaN(Date.parse(args.since))) throw usage(`crm backfill: --since: not a date: ${args.since}`);
};

const BAR = 30;

/** One line, redrawn in place: `[#####.....]  42% 84/200 customers · 1,234 logged`. */
export const progressLine = (p: CrmBackfillProgress): string => {
  if (p.phase === 'reading') return `reading the ledger: ${p.done.toLocaleString('en')} conversations`;
  const ratio = p.total === 0 ? 1 : p.done / p.total;
  const filled = Math.round(ratio * BAR);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ${String(Math.round(ratio * 100)).padStart(3)}% ${p.done}/${p.total} customers · ${p.logged.toLocaleString('en')} logged`;
};

export const runCrm = async (parts: HubParts, args: CrmArgs, io: CliIo, isTty: boolean): Promise<number> => {
  const instanceId = args.positionals[0] ?? '';
  let lastLine = '';
  let lastPercent = -1;
  const report = await parts.crmBackfill(instanceId, { since: args.since === undefined ? undefined : new Date(args.since), recheck: args.recheck }, (progress) => {
    if (args.json) return;
    const line = progressLine(progress);
    if (isTty) {
      io.stderr(`\r${line.padEnd(lastLine.length)}`);
      lastLine = line;
      return;
    }
    // Not a terminal (a log file): one line per tenth.
    const percent = progress.phase === 'logging' && progress.total > 0 ? Math.floor((progress.done / progress.total) * 10) : -1;
    if (percent !== lastPercent && percent >= 0) io.stderr(`${line}\n`);
    lastPercent = percent;
  });
  if (isTty && lastLine) io.stderr('\n');
  if (args.json) {
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    io.stdout(
      `${instanceId}: ${report.entries} entries in ${report.conversations} conversations (${report.added} new to the CRM log); ` +
        `${report.customers} customers: ${report.logged} logged now, ${report.unmatched} without a CRM contact, ${report.dead} given up\n`,
    );
    for (const failure of report.failed) io.stderr(`switchboard: customer ${failure.customerId}: ${failure.reason}\n`);
  }
  return report.failed.length > 0 || report.dead > 0 ? EXIT.failure : EXIT.ok;
};
