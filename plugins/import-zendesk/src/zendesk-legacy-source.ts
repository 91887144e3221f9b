import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LegacyRecordSet, ReloadingLegacySource } from '@switchboard/core';
import { loadZendeskExport, SYSTEM } from './zendesk-export.js';

/** Names, sizes and mtimes of the export's files: changes when any of them does. */
const folderSignature = async (dir: string): Promise<string> => {
  const names = (await readdir(dir)).sort();
  const stats = await Promise.all(names.map(async (name) => [name, await stat(join(dir, name))] as const));
  return stats.map(([name, s]) => `${name}:${s.size}:${s.mtimeMs}`).join('|');
};

/**
 * A Zendesk export directory as a LegacySource. The files are read again whenever one of them
 * changes (a newer incremental page dropped in), so deltas see what the new files add.
 */
export class ZendeskFileSource extends ReloadingLegacySource {
  constructor(directory: string) {
    super(
      () => folderSignature(directory),
      async () => {
        const { records, failures } = await loadZendeskExport(directory);
        return new LegacyRecordSet(SYSTEM, records, failures);
      },
      () => directory,
    );
  }
}
