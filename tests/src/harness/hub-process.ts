import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';
import { GiveUp, waitFor } from './wait-for.js';

/** The repository root: hub processes run from here, as `npm start` does. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export type HubRole = 'all' | 'api' | 'worker';

export interface HubProcessOptions {
  role: HubRole;
  /** Environment of the hub on top of a minimal base (PATH, HOME, …): nothing else leaks in from the runner. */
  env: Record<string, string>;
  /** A label for file names and messages, e.g. `api` or `worker-2`. */
  name?: string;
  port?: number;
  /** Where the output file goes; default: a fresh temp folder. */
  logDir?: string;
  /** Extra flags for node itself, e.g. `--cpu-prof` (not allowed in NODE_OPTIONS). */
  nodeArgs?: string[];
}

// Only these come from the runner's environment: DATABASE_URL, REDIS_URL, NODE_OPTIONS, VITEST… must not.
const BASE_ENV_KEYS = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'TZ', 'npm_config_cache'];

/** The few variables a child hub inherits from the runner (PATH, HOME, locale…), so a test's own settings never leak in. */
export const baseEnv = (): Record<string, string> => {
  const env: Record<string, string> = {};
  for (const key of BASE_ENV_KEYS) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
};

const running = new Set<HubProcess>();
// A runner that dies must not leave hubs behind: they are direct children, so kill them on exit.
process.once('exit', () => {
  for (const hub of running) hub.child?.kill('SIGKILL');
});

/** One hub process, started as `npm start` starts it (apps/hub/bin/hub.mjs), a direct child of the test runner. */
export class HubProcess {
  readonly name: string;
  readonly role: HubRole;
  readonly port: number;
  readonly baseUrl: string;
  readonly logFile: string;
  readonly #ownsLogDir: boolean;
  child: ChildProcess | undefined;
  #exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
  #exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  readonly #env: Record<string, string>;
  readonly #nodeArgs: string[];

  private constructor(options: HubProcessOptions & { port: number }) {
    this.role = options.role;
    this.name = options.name ?? options.role;
    this.port = options.port;
    this.baseUrl = `http://127.0.0.1:${options.port}`;
    const dir = options.logDir ?? mkdtempSync(join(tmpdir(), 'sb-hub-'));
    this.#ownsLogDir = options.logDir === undefined;
    this.logFile = join(dir, `${this.name}-${options.port}.log`);
    this.#nodeArgs = options.nodeArgs ?? [];
    // Loopback only, unless a test says otherwise.
    this.#env = { ...baseEnv(), HOST: '127.0.0.1', ...options.env, PORT: String(options.port), SWITCHBOARD_ROLE: options.role };
  }

  /** Spawns the hub and waits until `/readyz` answers 200 (another port if the probed one got taken). */
  static async start(options: HubProcessOptions, readyTimeoutMs = 120_000): Promise<HubProcess> {
    for (let attempt = 1; ; attempt++) {
      const hub = new HubProcess({ ...options, port: options.port ?? (await freePort()) });
      hub.spawn();
      try {
        await hub.waitReady(readyTimeoutMs);
        return hub;
      } catch (error) {
        await hub.kill();
        // The free port was taken by someone else between the probe and the hub's listen(): pick another.
        const portTaken = hub.exited && options.port === undefined && /EADDRINUSE/.test(hub.output());
        if (!portTaken || attempt >= 3) throw error;
      }
    }
  }

  private spawn(): void {
    const fd = openSync(this.logFile, 'a');
    const child = spawn(process.execPath, [...this.#nodeArgs, 'apps/hub/bin/hub.mjs'], {
      cwd: REPO_ROOT,
      env: this.#env,
      // Straight into a file: no pipe to drain, and the file survives for the failure message.
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    this.child = child;
    this.#exited = undefined;
    this.#exit = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.#exited = { code, signal };
        running.delete(this);
        resolve({ code, signal });
      });
    });
    running.add(this);
  }

  get exited(): boolean {
    return this.#exited !== undefined;
  }

  /** Everything the process wrote so far (stdout and stderr). */
  output(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  /** The last lines of the output, for failure messages. */
  tail(lines = 40): string {
    return this.output().split('\n').slice(-lines).join('\n');
  }

  describe(): string {
    const state = this.#exited ? `exited (code ${this.#exited.code}, signal ${this.#exited.signal})` : 'running';
    return `hub ${this.name} (role ${this.role}, ${this.baseUrl}) ${state}; output ${this.logFile}:\n${this.tail()}`;
  }

  async waitReady(timeoutMs = 120_000): Promise<void> {
    try {
      await waitFor(
        async () => {
          if (this.#exited) throw new HubExitedError(this);
          const response = await fetch(`${this.baseUrl}/readyz`, { signal: AbortSignal.timeout(5_000) });
          await response.arrayBuffer();
          return response.status === 200;
        },
        { timeoutMs, intervalMs: 200, description: `${this.name} /readyz` },
      );
    } catch (error) {
      const cause = error instanceof Error ? error.message : String(error);
      throw new Error(`${cause}\n${this.describe()}`, { cause: error });
    }
  }

  /** SIGTERM (graceful shutdown), SIGKILL after `graceMs`. Resolves with how it ended. */
  async stop(graceMs = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const exit = this.#exit;
    if (!this.child || !exit) return { code: null, signal: null };
    if (this.#exited) return this.#exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    const result = await exit;
    clearTimeout(timer);
    return result;
  }

  /** Deletes the output file (and its folder when the harness made it): for runs that passed. */
  removeFiles(): void {
    rmSync(this.#ownsLogDir ? dirname(this.logFile) : this.logFile, { recursive: true, force: true });
  }

  /** SIGKILL: a crash, nothing gets to clean up. Resolves with the signal that ended it (null if it had exited). */
  async kill(): Promise<NodeJS.Signals | null> {
    const exit = this.#exit;
    if (!this.child || !exit || this.#exited) return null;
    this.child.kill('SIGKILL');
    return (await exit).signal;
  }
}

export class HubExitedError extends GiveUp {
  constructor(hub: HubProcess) {
    super(`hub ${hub.name} exited before it was ready`);
    this.name = 'HubExitedError';
  }
}
