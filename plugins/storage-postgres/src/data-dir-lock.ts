import { readFile, rm, writeFile } from 'node:fs/promises';

/** Thrown when another process (or another store in this one) has the embedded database open. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number | null,
  ) {
    super(
      `the embedded database ${dataDir} is in use by ${pid === null || pid === process.pid ? 'this process' : `process ${pid}`} ` +
        '(a running hub?). PGlite allows one process per data folder: stop that process, or use PostgreSQL (DATABASE_URL).',
    );
    this.name = 'DataDirInUseError';
  }
}

// Folders this process holds: a second PGlite on the same folder corrupts it just as another process would.
const held = new Set<string>();

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return codeOf(error) === 'EPERM';
  }
};

const codeOf = (error: unknown): string | undefined => (error instanceof Error && 'code' in error ? String(error.code) : undefined);

/**
 * Takes `<dataDir>.lock` (beside the folder, which PGlite wants to itself) for this process.
 * A lock left by a process that is gone is taken over. Answers the release function.
 */
export const lockDataDir = async (dataDir: string): Promise<() => Promise<void>> => {
  const path = `${dataDir}.lock`;
  if (held.has(path)) throw new DataDirInUseError(dataDir, process.pid);
  for (let attempt = 0; ; attempt += 1) {
    try {
      await writeFile(path, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if (codeOf(error) !== 'EEXIST') throw error;
      // Taken again between our removal of a stale lock and our retry: someone else won.
      if (attempt > 0) throw new DataDirInUseError(dataDir, null);
      const pid = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
      // Our own pid left over means a previous life of this process id (a restarted container).
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) throw new DataDirInUseError(dataDir, pid);
      await rm(path, { force: true });
    }
  }
  held.add(path);
  return async () => {
    held.delete(path);
    await rm(path, { force: true });
  };
};
