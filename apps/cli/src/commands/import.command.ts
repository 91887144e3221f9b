import { importSwitchboardFile } from '@switchboard/import-switchboard';
import type { HubParts } from '@switchboard/hub';
import { EXIT, UsageError, type CliIo } from '../cli-io.js';
import { EXPORT_USAGE } from './export.command.js';

export interface ImportArgs {
  positionals: string[];
  batchSize: string | undefined;
  json: boolean;
}

export const checkImportArgs = (args: ImportArgs): void => {
  if (args.positionals.length !== 1) throw new UsageError('import: give exactly one export file', EXPORT_USAGE);
  if (args.batchSize !== undefined && !/^[1-9]\d{0,5}$/.test(args.batchSize)) throw new UsageError('import: --batch-size is a whole number from 1 to 999999', EXPORT_USAGE);
};

export const runImport = async (parts: HubParts, args: ImportArgs, io: CliIo): Promise<number> => {
  const file = args.positionals[0] ?? '';
  let lastReport = 0;
  const result = await importSwitchboardFile(parts.store, file, {
    ...(args.batchSize === undefined ? {} : { batchSize: Number(args.batchSize) }),
    onProgress: (progress) => {
      // A line every two seconds at most: stderr, so --json's answer on stdout stays clean.
      if (Date.now() - lastReport < 2000 || args.json) return;
      lastReport = Date.now();
      const of = progress.total === null ? '' : ` of ${progress.total}`;
      io.stderr(`${progress.phase === 'verify' ? 'verified' : 'written'} ${progress.records}${of} records\n`);
    },
  });
  if (args.json) {
    io.stdout(`${JSON.stringify({ file, records: result.records, counts: result.counts, replacedQueues: result.replacedQueues, exportedAt: result.header.exportedAt, hubVersion: result.header.hubVersion }, null, 2)}\n`);
    return EXIT.ok;
  }
  const counts = Object.entries(result.counts).filter(([, n]) => n > 0).map(([type, n]) => `${n} ${type}`).join(', ');
  io.stdout(
    `Imported ${result.records} records from ${file} (exported ${result.header.exportedAt.toISOString()} by hub ${result.header.hubVersion}): ${counts || 'nothing'}.\n` +
      (result.replacedQueues.length > 0 ? `The hub's own queue(s) ${result.replacedQueues.join(', ')} were replaced by the file's.\n` : '') +
      'Check it: GET /v1/ledger/verify.\n',
  );
  return EXIT.ok;
};
