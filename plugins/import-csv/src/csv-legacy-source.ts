import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LegacyRecordSet, ReloadingLegacySource } from '@switchboard/core';
import { loadCsvExport } from './csv-export.js';

/** Names, sizes and mtimes of the export's files: changes when any of them does. */
const folderSignature = async (dir: string): Promise<string> => {
  const names = (await readdir(dir)).sort();
  const stats = await Promise.all(names.map(async (name) => [name, await stat(join(dir, name))] as const));
  return stats.map(([name, s]) => `${name}:${s.size}:${s.mtimeMs}`).join('|');
};

/**
 * CSV files described by a mapping file, as a LegacySource. The files are read again when the
 * mapping or any file beside it changes, so rows appended later show up as a delta.
 */
export class CsvFileSource extends ReloadingLegacySource {
  constructor(mappingPath: string) {
    super(
      () => folderSignature(dirname(mappingPath)),
      async () => {
        const { system, records, failures } = await loadCsvExport(mappingPath);
        return new LegacyRecordSet(system, records, failures);
      },
      (description) => description.system,
    );
  }
}
