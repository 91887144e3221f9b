import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { baseEnv, createTestDatabase, freePort, REPO_ROOT } from '@switchboard/tests';
import { intFromEnv } from './bench-env.js';

// Start-up of the hub as a user meets it: the command of `npm start`, no configuration file, a
// fresh data folder (or a fresh PostgreSQL database), timed from spawn to the first 200 of
// /healthz and of /readyz, and the process's resident memory once idle.
// Env: BENCH_STARTUP_RUNS=5 (starts per scenario), BENCH_STARTUP_IDLE_SECONDS=5 (wait after ready
// before reading VmRSS), BENCH_STARTUP_COLD=1 to add a scenario with an empty template cache
// (SWITCHBOARD_CACHE_DIR): the first start where `npm install` made no database template,
// BENCH_STARTUP_ROOT=<checkout> to start the hub of another checkout (a baseline) instead of this one.
// CPU seconds (user + system until /readyz) move less than wall time on a machine shared with others.

const RUNS = intFromEnv('BENCH_STARTUP_RUNS', 5);
const IDLE_MS = intFromEnv('BENCH_STARTUP_IDLE_SECONDS', 5) * 1000;
const COLD = process.env['BENCH_STARTUP_COLD'] === '1';
const ROOT = process.env['BENCH_STARTUP_ROOT'] ?? REPO_ROOT;
const READY_TIMEOUT_MS = 120_000;
// USER_HZ: 100 on Linux unless the kernel was built otherwise.
const CLOCK_TICKS = 100;
const POLL_MS = 20;

// Only these come from the runner's environment, as in the test harness: no DATABASE_URL leaks in.

/** `npm start` without npm itself in between, so that the pid is the hub's. */
const startCommand = (): string[] => {
  const manifest: unknown = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const script = (manifest as { scripts?: Record<string, string> }).scripts?.['start'];
  if (script === undefined) throw new Error('package.json has no start script');
  const [program, ...args] = script.split(/\s+/).filter(Boolean);
  if (program !== 'node') throw new Error(`the start script does not begin with node: ${script}`);
  return [process.execPath, ...args];
};

interface StartSample {
  healthMs: number;
  readyMs: number;
  cpuSeconds: number;
  rssMb: number;
  peakMb: number;
}

const statusField = (pid: number, field: 'VmRSS' | 'VmHWM'): number => {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  const kb = Number(/(\d+)/.exec(line ?? '')?.[1]);
  if (!Number.isFinite(kb)) throw new Error(`no ${field} in /proc/${pid}/status`);
  return kb / 1024;
};

/** User plus system CPU time of a process so far (/proc/<pid>/stat fields 14 and 15). */
const cpuSeconds = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
};

const answers200 = async (url: string): Promise<boolean> => {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
};

const stopHub = async (child: ChildProcess): Promise<void> => {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(killer);
};

/** One start: spawn, wait for /healthz then /readyz, idle, read the memory, stop. */
const startOnce = async (env: Record<string, string>, logFile: string): Promise<StartSample> => {
  const [program, ...args] = startCommand();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const fd = openSync(logFile, 'a');
  const began = performance.now();
  const child = spawn(program ?? process.execPath, args, {
    cwd: ROOT,
    env: { ...env, HOST: '127.0.0.1', PORT: String(port) },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  try {
    const until = async (path: string): Promise<number> => {
      while (performance.now() - began < READY_TIMEOUT_MS) {
        if (child.exitCode !== null) throw new Error(`the hub exited with code ${child.exitCode}; see ${logFile}`);
        if (await answers200(base + path)) return performance.now() - began;
        await sleep(POLL_MS);
      }
      throw new Error(`no 200 from ${path} within ${READY_TIMEOUT_MS} ms; see ${logFile}`);
    };
    const healthMs = await until('/healthz');
    const readyMs = await until('/readyz');
    const pid = child.pid;
    if (pid === undefined) throw new Error('the hub process has no pid');
    const cpu = cpuSeconds(pid);
    await sleep(IDLE_MS);
    return { healthMs, readyMs, cpuSeconds: cpu, rssMb: statusField(pid, 'VmRSS'), peakMb: statusField(pid, 'VmHWM') };
  } finally {
    await stopHub(child);
  }
};

interface Scenario {
  name: string;
  samples: StartSample[];
  timeTargetMs?: number;
  rssTargetMb?: number;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

const spread = (values: readonly number[], digits: number, scale = 1): string => {
  const fmt = (v: number) => (v / scale).toFixed(digits);
  return `${fmt(median(values))} (${fmt(Math.min(...values))}–${fmt(Math.max(...values))})`;
};

const verdict = (value: number, target: number | undefined): string =>
  target === undefined ? '' : value <= target ? ' ok' : ' over';

const printScenarios = (scenarios: readonly Scenario[]) => {
  const header = ['scenario', 'runs', '/healthz s', '/readyz s', 'target s', 'CPU s', 'idle RSS MB', 'target MB', 'peak RSS MB'];
  const rows = scenarios.map((s) => {
    const health = s.samples.map((x) => x.healthMs);
    const rss = s.samples.map((x) => x.rssMb);
    return [
      s.name,
      String(s.samples.length),
      spread(health, 2, 1000),
      spread(
        s.samples.map((x) => x.readyMs),
        2,
        1000,
      ),
      s.timeTargetMs === undefined ? '-' : `≤ ${(s.timeTargetMs / 1000).toFixed(0)}${verdict(median(health), s.timeTargetMs)}`,
      spread(
        s.samples.map((x) => x.cpuSeconds),
        2,
      ),
      spread(rss, 0),
      s.rssTargetMb === undefined ? '-' : `≤ ${s.rssTargetMb}${verdict(median(rss), s.rssTargetMb)}`,
      spread(
        s.samples.map((x) => x.peakMb),
        0,
      ),
    ];
  });
  const widths = header.map((h, column) => Math.max(h.length, ...rows.map((row) => (row[column] ?? '').length)));
  const render = (cells: string[]) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ');
  console.log(render(header));
  for (const row of rows) console.log(render(row));
};

export const runStartupBench = async (): Promise<void> => {
  const work = mkdtempSync(join(tmpdir(), 'sb-bench-startup-'));
  const env = baseEnv();
  const logFile = join(work, 'hub.log');
  let keepLogs = false;
  try {
    console.log(`switchboard start-up benchmark: ${RUNS} starts per scenario, RSS read ${IDLE_MS / 1000} s after ready; node ${process.version}`);
    console.log(`command: ${startCommand().slice(1).join(' ')} (npm start), cwd ${ROOT}, no configuration file`);
    const scenarios: Scenario[] = [];
    const embedded = { fresh: [] as StartSample[], restart: [] as StartSample[], cold: [] as StartSample[], postgres: [] as StartSample[] };
    for (let run = 0; run < RUNS; run++) {
      // Fresh then restart on the same folder, in turns, so that both see the same machine load.
      const dataDir = mkdtempSync(join(work, 'data-'));
      embedded.fresh.push(await startOnce({ ...env, SWITCHBOARD_DATA_DIR: dataDir }, logFile));
      embedded.restart.push(await startOnce({ ...env, SWITCHBOARD_DATA_DIR: dataDir }, logFile));
      rmSync(dataDir, { recursive: true, force: true });
      if (COLD) {
        const coldDir = mkdtempSync(join(work, 'cold-'));
        embedded.cold.push(
          await startOnce({ ...env, SWITCHBOARD_DATA_DIR: join(coldDir, 'data'), SWITCHBOARD_CACHE_DIR: join(coldDir, 'cache') }, logFile),
        );
        rmSync(coldDir, { recursive: true, force: true });
      }
      const db = await createTestDatabase();
      try {
        const dataDir = mkdtempSync(join(work, 'pg-'));
        embedded.postgres.push(await startOnce({ ...env, SWITCHBOARD_DATA_DIR: dataDir, DATABASE_URL: db.url }, logFile));
      } finally {
        await db.drop();
      }
      process.stdout.write(`  run ${run + 1}/${RUNS} done\n`);
    }
    scenarios.push({ name: 'embedded, fresh data folder', samples: embedded.fresh, timeTargetMs: 3000, rssTargetMb: 300 });
    scenarios.push({ name: 'embedded, restart', samples: embedded.restart, timeTargetMs: 2000, rssTargetMb: 300 });
    if (COLD) scenarios.push({ name: 'embedded, fresh, no template', samples: embedded.cold });
    scenarios.push({ name: 'PostgreSQL, fresh database', samples: embedded.postgres, rssTargetMb: 200 });
    console.log('');
    printScenarios(scenarios);
    console.log('median (min–max); time from spawn to the first 200; CPU = user + system until /readyz; RSS = VmRSS, peak = VmHWM');
  } catch (error) {
    keepLogs = true;
    throw error;
  } finally {
    if (keepLogs) console.log(`hub output kept in ${logFile}`);
    else rmSync(work, { recursive: true, force: true });
  }
};
