import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HubProcess } from '@switchboard/tests';

// What each hub process sends: PostgreSQL round trips and statements, Redis commands
// (sql-counter.preload.mjs, loaded into the hub processes with NODE_OPTIONS by a bench).

export const SQL_COUNTER = fileURLToPath(new URL('./sql-counter.preload.mjs', import.meta.url));

export interface SqlCounts {
  seq: number;
  roundTrips: number;
  statements: number;
  kinds: Record<string, number>;
  redisCommands: number;
  redisKinds: Record<string, number>;
}

/** The environment that makes a hub process count what it sends into `dir`. */
export const sqlCounterEnv = (dir: string): Record<string, string> => ({ NODE_OPTIONS: `--import=${SQL_COUNTER}`, BENCH_SQL_COUNTER_DIR: dir });

/** Asks each process for its counts (SIGUSR2) and reads them back; a process that does not answer is left out. */
export const sqlCounts = async (dir: string, hubs: HubProcess[]): Promise<Map<string, SqlCounts>> => {
  const read = (file: string): SqlCounts | undefined => {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as SqlCounts;
    } catch {
      return undefined;
    }
  };
  const out = new Map<string, SqlCounts>();
  for (const hub of hubs) {
    const pid = hub.child?.pid;
    if (pid === undefined) continue;
    const file = join(dir, `${pid}.json`);
    const before = existsSync(file) ? (read(file)?.seq ?? 0) : 0;
    hub.child?.kill('SIGUSR2');
    for (let i = 0; i < 100; i += 1) {
      const counts = read(file);
      if (counts !== undefined && counts.seq > before) {
        out.set(hub.name, counts);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  return out;
};

export const minus = (after: Record<string, number>, before: Record<string, number> | undefined): Array<[string, number]> =>
  Object.entries(after)
    .map(([key, value]): [string, number] => [key, value - (before?.[key] ?? 0)])
    .filter(([, value]) => value > 0)
    .sort((a, b) => b[1] - a[1]);
