import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

// CPU time of processes from /proc (Linux): where time goes while a benchmark runs.

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of a process, in seconds; undefined if it is gone. */
export const cpuSeconds = (pid: number): number | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
};

export const pidsNamed = (name: string): number[] => {
  try {
    return readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .map(Number)
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === name;
        } catch {
          return false;
        }
      });
  } catch {
    return [];
  }
};

/**
 * CPU seconds of the processes with these command names (PostgreSQL's backends, Dovecot's imap)
 * from this call to each call of the function it returns. A process born meanwhile counts from
 * zero; one that ended meanwhile is left out (its last seconds cannot be read any more).
 */
export const cpuOfNamed = (names: readonly string[]): (() => number) => {
  const read = () => new Map(names.flatMap((name) => pidsNamed(name).map((pid) => [pid, cpuSeconds(pid) ?? 0] as const)));
  const before = read();
  return () => {
    let total = 0;
    for (const [pid, seconds] of read()) total += seconds - (before.get(pid) ?? 0);
    return total;
  };
};
